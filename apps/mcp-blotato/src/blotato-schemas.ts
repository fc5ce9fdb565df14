import { z } from 'zod';

/**
 * Shapes of Blotato's answers, validated at the boundary. Loose on purpose (unknown fields pass through
 * and are dropped later): Blotato adds fields without notice, and a new field must not break a tool.
 */

/** The published OpenAPI shows `items` nested (`[[…]]`), the prose docs and n8n a flat array; accept both. */
const itemsOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.preprocess((value) => (Array.isArray(value) ? value.flat(1) : value), z.array(item)),
  });

export const userSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  subscriptionStatus: z.string().optional(),
  subscriptionPlan: z.string().optional(),
  apiKey: z.string().optional(),
});

export const accountSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  platform: z.string(),
  fullname: z.string().nullish(),
  username: z.string().nullish(),
});
export const accountsSchema = itemsOf(accountSchema);

export const subaccountSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  accountId: z.union([z.string(), z.number()]).transform(String).optional(),
  name: z.string().nullish(),
});
export const subaccountsSchema = itemsOf(subaccountSchema);

export const boardsSchema = itemsOf(
  z.looseObject({ id: z.union([z.string(), z.number()]).transform(String), name: z.string().nullish() }),
);

export const createPostResponseSchema = z.looseObject({ postSubmissionId: z.string().min(1) });

export const postStatusSchema = z.looseObject({
  postSubmissionId: z.string().optional(),
  status: z.string(),
  publicUrl: z.string().nullish(),
  errorMessage: z.string().nullish(),
  scheduledTime: z.string().nullish(),
});

export const listedPostSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  status: z.string().nullish(),
  postTime: z.string().nullish(),
  platform: z.string().nullish(),
  accountId: z.union([z.string(), z.number()]).transform(String).nullish(),
  text: z.string().nullish(),
  mediaUrls: z.array(z.string()).nullish(),
  publicUrl: z.string().nullish(),
  errorMessage: z.string().nullish(),
});
export const listPostsSchema = itemsOf(listedPostSchema).extend({ cursor: z.string().nullish() });

const draftSchema = z.looseObject({
  accountId: z.union([z.string(), z.number()]).transform(String).nullish(),
  content: z
    .looseObject({
      text: z.string().nullish(),
      mediaUrls: z.array(z.string()).nullish(),
      platform: z.string().nullish(),
    })
    .nullish(),
  target: z.looseObject({ targetType: z.string().nullish() }).nullish(),
});

export const scheduleSchema = z.looseObject({
  id: z.string(),
  scheduledAt: z.string().nullish(),
  account: z
    .looseObject({
      id: z.union([z.string(), z.number()]).transform(String),
      name: z.string().nullish(),
      username: z.string().nullish(),
      subaccountId: z.union([z.string(), z.number()]).transform(String).nullish(),
      subaccountName: z.string().nullish(),
    })
    .nullish(),
  draft: draftSchema.nullish(),
});
export const listSchedulesSchema = itemsOf(scheduleSchema).extend({
  count: z.union([z.string(), z.number()]).transform(Number).nullish(),
  cursor: z.string().nullish(),
});

export const mediaSchema = z.looseObject({ url: z.string().min(1) });
export const uploadSchema = z.looseObject({ presignedUrl: z.string().min(1), publicUrl: z.string().min(1) });

const templateInputSchema = z.looseObject({
  name: z.string(),
  label: z.string().nullish(),
  type: z
    .looseObject({
      t: z.string(),
      values: z.array(z.unknown()).nullish(),
      itemType: z.unknown().optional(),
      default: z.unknown().optional(),
    })
    .nullish(),
});
export const templateSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  description: z.string().nullish(),
  type: z.string().nullish(),
  inputs: z.array(templateInputSchema).nullish(),
});
export const templatesSchema = itemsOf(templateSchema);

export const visualSchema = z.object({
  item: z.looseObject({
    id: z.string(),
    status: z.string(),
    mediaUrl: z.string().nullish(),
    imageUrls: z.array(z.string()).nullish(),
  }),
});

export const creditsSchema = z.looseObject({
  creditsRemaining: z.number(),
  accountEmail: z.string().nullish(),
});

export type BlotatoUser = Omit<z.infer<typeof userSchema>, 'apiKey'>;
export type BlotatoAccount = z.infer<typeof accountSchema>;
export type BlotatoListedPost = z.infer<typeof listedPostSchema>;
export type BlotatoSchedule = z.infer<typeof scheduleSchema>;
export type BlotatoTemplate = z.infer<typeof templateSchema>;
