import { SwitchboardError } from '@switchboard/errors';
import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { idempotentWrite } from '../idempotent-write.ts';
import { type BlotatoToolDeps, callContext, readOnly, sleep } from './tool-deps.ts';

const FAILED = 'creation-from-template-failed';

const inputShape = z.object({
  name: z.string(),
  label: z.string().nullable(),
  type: z.string(),
  required: z.boolean(),
  enum_values: z.array(z.unknown()).nullable(),
  default: z.unknown().optional(),
});

export function visualTools({ client, idempotency, config }: BlotatoToolDeps) {
  const listTemplates = defineTool({
    name: 'list_visual_templates',
    title: 'List visual templates',
    description:
      "Lists Blotato templates for visuals (videos, carousels, images). Use get_visual_template for one template's inputs, then create_visual.",
    inputSchema: z.object({
      search: z.string().optional().describe('Only templates whose name or description contains this'),
    }),
    outputSchema: z.object({
      templates: z.array(
        z.object({
          template_id: z.string(),
          name: z.string().nullable(),
          description: z.string().nullable(),
          type: z.string().nullable(),
        }),
      ),
    }),
    annotations: readOnly,
    async handler({ search }, ctx) {
      const needle = search?.toLowerCase();
      const templates = (await client.listTemplates(callContext(ctx), { fields: 'id,name,description,type' }))
        .map((t) => ({
          template_id: t.id,
          name: t.name ?? null,
          description: t.description ?? null,
          type: t.type ?? null,
        }))
        .filter((t) => needle === undefined || `${t.name ?? ''} ${t.description ?? ''}`.toLowerCase().includes(needle));
      const text =
        templates.length === 0
          ? 'No matching templates.'
          : templates
              .map(
                (t) =>
                  `- ${t.name ?? t.template_id} (${t.type ?? 'visual'}): ${t.description ?? ''} [template_id ${t.template_id}]`,
              )
              .join('\n');
      return { structured: { templates }, text };
    },
  });

  const getTemplate = defineTool({
    name: 'get_visual_template',
    title: "A visual template's inputs",
    description: 'Shows the inputs a template takes; an input without a default is required unless a prompt fills it.',
    inputSchema: z.object({
      template_id: z.string().min(1).describe('Exactly as listed, e.g. /base/v2/quote-card/…/v1'),
    }),
    outputSchema: z.object({
      template_id: z.string(),
      name: z.string().nullable(),
      description: z.string().nullable(),
      inputs: z.array(inputShape),
    }),
    annotations: readOnly,
    async handler({ template_id }, ctx) {
      const [template] = await client.listTemplates(callContext(ctx), {
        id: template_id,
        fields: 'id,name,description,inputs',
      });
      if (template === undefined || template.id !== template_id) {
        throw new SwitchboardError(
          'NOT_FOUND',
          `Blotato has no template ${template_id}; list_visual_templates shows the ids.`,
        );
      }
      const inputs = (template.inputs ?? []).map((i) => ({
        name: i.name,
        label: i.label ?? null,
        type: i.type?.t ?? 'text',
        required: i.type == null || !('default' in i.type),
        enum_values: i.type?.values ?? null,
        ...(i.type != null && 'default' in i.type ? { default: i.type.default } : {}),
      }));
      const text = `${template.name ?? template_id} takes:\n${inputs
        .map((i) => `- ${i.name} (${i.type}${i.required ? ', required' : ''})${i.label ? `: ${i.label}` : ''}`)
        .join('\n')}`;
      return {
        structured: { template_id, name: template.name ?? null, description: template.description ?? null, inputs },
        text,
      };
    },
  });

  const createVisual = defineTool({
    name: 'create_visual',
    title: 'Create a visual from a template',
    description:
      'Starts rendering a visual (spends Blotato credits). Give a prompt to let AI fill the inputs, or the inputs themselves. Returns a visual_id for get_visual_status. Safe to retry with the same idempotency_key: it never renders twice.',
    inputSchema: z.object({
      template_id: z.string().min(1),
      prompt: z.string().optional().describe('What the visual should say; AI fills the inputs'),
      inputs: z.record(z.string(), z.unknown()).optional().describe("Values for the template's inputs"),
      title: z.string().optional(),
      idempotency_key: z.string().min(8).max(200).optional(),
    }),
    outputSchema: z.object({
      visual_id: z.string(),
      status: z.string(),
      template_id: z.string(),
      idempotency_key: z.string(),
      replayed: z.boolean(),
      poll_after_s: z.number(),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async handler({ template_id, prompt, inputs, title, idempotency_key }, ctx) {
      if (
        (prompt === undefined || prompt.trim() === '') &&
        (inputs === undefined || Object.keys(inputs).length === 0)
      ) {
        throw new SwitchboardError(
          'VALIDATION_FAILED',
          'Give a prompt, or the template inputs (see get_visual_template).',
        );
      }
      const body = {
        templateId: template_id,
        inputs: inputs ?? {},
        render: true,
        ...(prompt === undefined ? {} : { prompt }),
        ...(title === undefined ? {} : { title }),
      };
      const call = callContext(ctx);
      const result = await idempotentWrite<{ visual_id: string; status: string }>({
        store: idempotency,
        tool: 'create_visual',
        callerKeyId: ctx.caller.keyId,
        idempotencyKey: idempotency_key,
        args: body,
        derivedWindowMs: config.derivedKeyWindowMs,
        leaseMs: 2 * (config.maxWaitMs + config.timeoutMs) + 10_000,
        attempt: { templateId: template_id },
        async send() {
          const { item } = await client.createVisual(call, body);
          return { visual_id: item.id, status: item.status };
        },
        // Blotato offers no way to find a visual by request, and another attempt spends credits again.
        async reconcile() {
          return {
            kind: 'missing',
            mayResend: false,
            retryAfterS: 60,
            why: 'An earlier create_visual with this idempotency_key may have started a visual (and spent credits), but Blotato offers no way to look it up, so Switchboard will not start another. Check https://my.blotato.com; to render a new one anyway, use a new idempotency_key.',
          };
        },
      });
      const structured = {
        ...result.outcome,
        template_id,
        idempotency_key: result.idempotencyKey,
        replayed: result.replayed,
        poll_after_s: Math.ceil(config.visualPollMs / 1000),
      };
      const again = result.replayed
        ? ' (already started earlier with this idempotency_key; nothing new was started)'
        : '';
      return {
        structured,
        text: `Visual ${structured.visual_id} is ${structured.status}${again}. Check it with get_visual_status.`,
      };
    },
  });

  const getVisualStatus = defineTool({
    name: 'get_visual_status',
    title: 'Visual status',
    description:
      'Status of a visual: queueing → generating-script → script-ready → generating-media → media-ready → exporting → done (with media_url or image_urls for publish_post), or failed. wait_s > 0 polls (every 15 s, as Blotato advises) with progress reports.',
    inputSchema: z.object({
      visual_id: z.string().min(1),
      wait_s: z.number().int().min(0).max(45).default(0),
    }),
    outputSchema: z.object({
      visual_id: z.string(),
      status: z.string(),
      done: z.boolean(),
      failed: z.boolean(),
      media_url: z.string().nullable(),
      image_urls: z.array(z.string()),
      checks: z.number(),
    }),
    annotations: readOnly,
    async handler({ visual_id, wait_s }, ctx) {
      const call = callContext(ctx);
      const deadline = Date.now() + wait_s * 1000;
      for (let checks = 1; ; checks++) {
        const { item } = await client.getVisual(call, visual_id);
        const done = item.status === 'done';
        const failed = item.status === FAILED;
        if (done || failed || Date.now() + config.visualPollMs > deadline) {
          const structured = {
            visual_id,
            status: failed ? 'failed' : item.status,
            done,
            failed,
            media_url: item.mediaUrl ?? null,
            image_urls: item.imageUrls ?? [],
            checks,
          };
          const text = done
            ? `Visual ${visual_id} is done: ${item.mediaUrl ?? item.imageUrls?.join(', ') ?? ''}`
            : failed
              ? `Visual ${visual_id} failed; starting another spends credits again, so ask the user first.`
              : `Visual ${visual_id} is ${item.status}; check again in ${Math.ceil(config.visualPollMs / 1000)} s.`;
          return { structured, text };
        }
        await ctx.progress(checks, undefined, `Visual ${visual_id} is ${item.status}`);
        await sleep(config.visualPollMs, ctx.signal);
      }
    },
  });

  return [listTemplates, getTemplate, createVisual, getVisualStatus];
}
