/**
 * What the SDK's schema conversions cost the tool servers per call. A stateless tool server builds an SDK
 * server per request, and that server converts the called tool's zod schemas to JSON Schema again (the
 * output to project the result, the input for SEP-2243 header checks on 2026-07-28 calls), and every tool's
 * on `tools/list`. The tool-server kit converts each once per process (`convertedOnce`) and hands out a copy.
 * This prints, per tool, the conversion the SDK would repeat and the copy that replaces it, then what building
 * that per-request server costs with every tool registered and with only the called one, as the kit does for
 * a `tools/call` (medians of 5 batches of 500, after a warm-up).
 *
 *   node --import @switchboard/ts-runtime/register test/bench/schema-conversions.ts
 */
import { McpServer } from '@modelcontextprotocol/server';
import { blotatoTools } from '../../apps/mcp-blotato/src/tools/index.ts';
import { getFileTool } from '../../apps/mcp-drive/src/tools/get-file.ts';
import { listFolderTool } from '../../apps/mcp-drive/src/tools/list-folder.ts';
import { readFileTool } from '../../apps/mcp-drive/src/tools/read-file.ts';
import { searchFilesTool } from '../../apps/mcp-drive/src/tools/search-files.ts';
import { createDraftTool } from '../../apps/mcp-gmail/src/tools/create-draft.ts';
import { getMessageTool } from '../../apps/mcp-gmail/src/tools/get-message.ts';
import { getThreadTool } from '../../apps/mcp-gmail/src/tools/get-thread.ts';
import { getThreadDigestsTool } from '../../apps/mcp-gmail/src/tools/get-thread-digests.ts';
import { listLabelsTool } from '../../apps/mcp-gmail/src/tools/list-labels.ts';
import { searchThreadsTool } from '../../apps/mcp-gmail/src/tools/search-threads.ts';
import { convertedOnce } from '../../packages/tool-server/src/converted-once.ts';
import { median } from './bench-kit.ts';

// Definitions only: no handler runs, so the tools get no dependencies.
const none = {} as never;
const servers = {
  blotato: blotatoTools(none),
  drive: [searchFilesTool, readFileTool, getFileTool, listFolderTool].map((tool) => tool(none)),
  gmail: [searchThreadsTool, getThreadTool, getThreadDigestsTool, getMessageTool, listLabelsTool, createDraftTool].map(
    (tool) => tool(none),
  ),
};

type Convertible = { '~standard': { jsonSchema: Record<'input' | 'output', (o: { target: string }) => unknown> } };
const TARGET = { target: 'draft-2020-12' };
const bothOf = (input: unknown, output: unknown) => () => {
  (input as Convertible)['~standard'].jsonSchema.input(TARGET);
  (output as Convertible)['~standard'].jsonSchema.output(TARGET);
};
function microsPerRun(run: () => void): number {
  for (let i = 0; i < 200; i++) run();
  const batches = Array.from({ length: 5 }, () => {
    const started = performance.now();
    for (let i = 0; i < 500; i++) run();
    return ((performance.now() - started) / 500) * 1000;
  });
  return median(batches);
}

console.log('| server | tool | SDK conversion per call (µs) | converted once: copy per call (µs) |');
console.log('|---|---|---:|---:|');
for (const [server, tools] of Object.entries(servers)) {
  let listed = 0;
  let listedOnce = 0;
  for (const tool of tools) {
    const converted = microsPerRun(bothOf(tool.inputSchema, tool.outputSchema));
    const once = microsPerRun(bothOf(convertedOnce(tool.inputSchema), convertedOnce(tool.outputSchema)));
    listed += converted;
    listedOnce += once;
    console.log(`| ${server} | ${tool.name} | ${converted.toFixed(0)} | ${once.toFixed(1)} |`);
  }
  console.log(`| ${server} | (tools/list: all ${tools.length}) | ${listed.toFixed(0)} | ${listedOnce.toFixed(1)} |`);
}

type Tool = (typeof servers)['blotato'][number];
const serverWith = (tools: Tool[]) => () => {
  const server = new McpServer({ name: 'bench', version: '1' }, { capabilities: { logging: {} } });
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      { inputSchema: convertedOnce(tool.inputSchema), outputSchema: convertedOnce(tool.outputSchema) },
      async () => ({ content: [] }),
    );
  }
};
console.log('\n| server | SDK server per request, every tool (µs) | only the called tool (µs) |');
console.log('|---|---:|---:|');
for (const [server, tools] of Object.entries(servers)) {
  const all = microsPerRun(serverWith(tools));
  const one = microsPerRun(serverWith([tools[0]!]));
  console.log(`| ${server} (${tools.length} tools) | ${all.toFixed(0)} | ${one.toFixed(0)} |`);
}
