import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseSummary, runConformance } from './run-conformance.ts';

// The official suite against our fixture alone: the baseline every gateway run is compared with. If this fails,
// the fixture (or the SDK under it) changed, not the gateway.
describe('MCP conformance suite (0.1.13, active scenarios) against the fixture server', () => {
  const outputDir = mkdtempSync(join(tmpdir(), 'switchboard-conformance-'));
  after(() => rmSync(outputDir, { recursive: true, force: true }));

  it('passes every check, including sampling and elicitation over legacy sessions', { timeout: 60_000 }, async () => {
    const result = await runConformance({ direct: true, outputDir });
    const failing = result.scenarios.filter((scenario) => scenario.failed > 0).map((scenario) => scenario.name);
    assert.deepEqual(failing, [], `failing scenarios:\n${result.output.slice(-4000)}`);
    assert.equal(result.failed, 0);
    assert.ok(result.passed >= 30, `only ${result.passed} checks passed`);
    assert.equal(result.exitCode, 0);
    assert.equal(result.ok, true);
    for (const name of ['tools-call-sampling', 'tools-call-elicitation', 'elicitation-sep1330-enums']) {
      assert.ok(
        result.scenarios.some((scenario) => scenario.name === name && scenario.passed > 0),
        `${name} did not pass`,
      );
    }
  });
});

// The same baseline for the fixture written with SDK v1 (push-style sampling/elicitation on real sessions), every
// scenario including the pending ones: the upstream most deployed MCP servers look like.
describe('MCP conformance suite (0.1.13, all scenarios) against the SDK v1 fixture server', () => {
  const outputDir = mkdtempSync(join(tmpdir(), 'switchboard-conformance-v1-'));
  after(() => rmSync(outputDir, { recursive: true, force: true }));

  it('passes every check, including sampling, elicitation and JSON Schema 2020-12', { timeout: 60_000 }, async () => {
    const result = await runConformance({ direct: true, fixture: 'v1', suite: 'all', outputDir });
    const failing = result.scenarios.filter((scenario) => scenario.failed > 0).map((scenario) => scenario.name);
    assert.deepEqual(failing, [], `failing scenarios:\n${result.output.slice(-4000)}`);
    assert.ok(result.passed >= 44, `only ${result.passed} checks passed`);
    assert.equal(result.exitCode, 0);
    assert.equal(result.ok, true);
    for (const name of [
      'tools-call-sampling',
      'tools-call-elicitation',
      'elicitation-sep1330-enums',
      'json-schema-2020-12',
      'dns-rebinding-protection',
    ]) {
      assert.ok(
        result.scenarios.some((scenario) => scenario.name === name && scenario.passed > 0),
        `${name} did not pass`,
      );
    }
  });
});

// The same suite through the gateway (fixture as its only upstream, unprefixed), every scenario including the
// pending ones (json-schema-2020-12 checks schema pass-through): what a gateway adds must not cost a check.
describe('MCP conformance suite (0.1.13, all scenarios) through the gateway', () => {
  const outputDir = mkdtempSync(join(tmpdir(), 'switchboard-conformance-gw-'));
  after(() => rmSync(outputDir, { recursive: true, force: true }));

  it('passes every check the fixture passes directly', { timeout: 120_000 }, async () => {
    const result = await runConformance({ direct: false, suite: 'all', outputDir });
    const failing = result.scenarios.filter((scenario) => scenario.failed > 0).map((scenario) => scenario.name);
    assert.deepEqual(failing, [], `failing scenarios:\n${result.output.slice(-4000)}`);
    assert.ok(result.passed >= 40, `only ${result.passed} checks passed`);
    for (const name of [
      'tools-call-sampling',
      'tools-call-elicitation',
      'json-schema-2020-12',
      'dns-rebinding-protection',
    ]) {
      assert.ok(
        result.scenarios.some((scenario) => scenario.name === name && scenario.passed > 0),
        `${name} did not pass`,
      );
    }
  });
});

// The same suite through the gateway in front of a fixture written with SDK v1 in the 2025 era (sessions, SSE
// answers, server requests for sampling and elicitation): how nearly every MCP server is written today.
describe('MCP conformance suite (0.1.13, all scenarios) through the gateway in front of an SDK v1 server', () => {
  const outputDir = mkdtempSync(join(tmpdir(), 'switchboard-conformance-gw-v1-'));
  after(() => rmSync(outputDir, { recursive: true, force: true }));

  it('passes every check the v1 fixture passes directly', { timeout: 120_000 }, async () => {
    const result = await runConformance({ direct: false, suite: 'all', fixture: 'v1', outputDir });
    const failing = result.scenarios.filter((scenario) => scenario.failed > 0).map((scenario) => scenario.name);
    assert.deepEqual(failing, [], `failing scenarios:\n${result.output.slice(-4000)}`);
    assert.ok(result.passed >= 44, `only ${result.passed} checks passed`);
    for (const name of [
      'tools-call-sampling',
      'tools-call-elicitation',
      'tools-call-with-progress',
      'resources-subscribe',
    ]) {
      assert.ok(
        result.scenarios.some((scenario) => scenario.name === name && scenario.passed > 0),
        `${name} did not pass`,
      );
    }
  });
});

describe('parseSummary', () => {
  it('reads per-scenario lines and the total, and refuses output without a summary', () => {
    const output = [
      'Running client scenario …',
      '=== SUMMARY ===',
      '✓ ping: 1 passed, 0 failed',
      '✗ tools-call-sampling: 0 passed, 1 failed',
      '',
      'Total: 1 passed, 1 failed',
    ].join('\n');
    assert.deepEqual(parseSummary(output), {
      passed: 1,
      failed: 1,
      scenarios: [
        { name: 'ping', passed: 1, failed: 0 },
        { name: 'tools-call-sampling', passed: 0, failed: 1 },
      ],
    });
    assert.equal(parseSummary('Error: fetch failed'), null);
  });
});
