/**
 * A client in its own process: `node scenario-client.ts` reads `{ scenario, target, tokens, shortTtlMs }`
 * as JSON from argv[2], runs the scenario with the global fetch and prints the outcome vector as JSON.
 */
import { type LoginTokens, runScenario, type ScenarioName, type ScenarioTarget } from './scenarios.ts';

interface Input {
  readonly scenario: ScenarioName;
  readonly target: ScenarioTarget;
  readonly tokens: LoginTokens;
  readonly shortTtlMs: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as Input;
const outcomes = await runScenario(input.scenario, input.target, input.tokens, input.shortTtlMs);
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
