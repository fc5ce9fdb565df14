import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { idempotentWrite } from '../idempotent-write.ts';
import { type BlotatoToolDeps, callContext } from './tool-deps.ts';

export function mediaTools({ client, idempotency, config }: BlotatoToolDeps) {
  const importMedia = defineTool({
    name: 'import_media',
    title: 'Import media from a URL',
    description:
      "Copies an image or video from a URL into Blotato's storage and returns a media_url for publish_post. Public URLs can also go straight into media_urls; importing helps when a link may expire. Google Drive links must be of the form https://drive.google.com/uc?export=download&id=<id>.",
    inputSchema: z.object({
      source_url: z.url({ protocol: /^https?$/ }),
      idempotency_key: z
        .string()
        .min(8)
        .max(200)
        .optional()
        .describe('A retry with the same key returns the first media_url'),
    }),
    outputSchema: z.object({
      media_url: z.string(),
      source_url: z.string(),
      idempotency_key: z.string(),
      replayed: z.boolean(),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async handler({ source_url, idempotency_key }, ctx) {
      const call = callContext(ctx);
      const result = await idempotentWrite<{ media_url: string }>({
        store: idempotency,
        tool: 'import_media',
        callerKeyId: ctx.caller.keyId,
        idempotencyKey: idempotency_key,
        args: { url: source_url },
        derivedWindowMs: config.derivedKeyWindowMs,
        leaseMs: 2 * (config.maxWaitMs + config.timeoutMs) + 10_000,
        attempt: {},
        async send() {
          return { media_url: (await client.importMedia(call, source_url)).url };
        },
        // Blotato lists no media to look in; a second import only stores another copy, so it is resent.
        async reconcile() {
          return { kind: 'missing', mayResend: true, retryAfterS: 0, why: '' };
        },
      });
      const structured = {
        media_url: result.outcome.media_url,
        source_url,
        idempotency_key: result.idempotencyKey,
        replayed: result.replayed,
      };
      return { structured, text: `Imported: ${structured.media_url}` };
    },
  });

  const createUploadUrl = defineTool({
    name: 'create_upload_url',
    title: 'Create an upload URL for a local file',
    description:
      "Returns a one-time upload_url to PUT a local file's raw bytes to (not JSON, not multipart; set Content-Type to the file's type), and the public_url to use in media_urls once the upload succeeded. The upload_url is a credential: use it once, do not share it.",
    inputSchema: z.object({
      filename: z
        .string()
        .min(3)
        .max(255)
        .regex(/\.[A-Za-z0-9]{2,5}$/, 'include the file extension, e.g. video.mp4')
        .describe('File name with its extension'),
    }),
    outputSchema: z.object({ filename: z.string(), upload_url: z.string(), public_url: z.string() }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    async handler({ filename }, ctx) {
      const upload = await client.createUploadUrl(callContext(ctx), filename);
      return {
        structured: { filename, upload_url: upload.presignedUrl, public_url: upload.publicUrl },
        text: `PUT the raw bytes of ${filename} to the upload_url in the structured result, then use ${upload.publicUrl} in media_urls.`,
      };
    },
  });

  return [importMedia, createUploadUrl];
}
