import type { Agent } from "../../shared/core/agent.ts";

type Trigger = (input: {
  agent: string;
  message: string;
  schedule: string;
  time: string;
}) => Promise<unknown>;

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Milliseconds between firings of `rate(N unit)`, or null for expressions run only in AWS. */
export function rateMs(expression: string): number | null {
  const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (!match) return null;
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/**
 * Fires each agent's `rate(...)` schedules with the same input the EventBridge rule sends in AWS.
 * `cron(...)` schedules run only in AWS; they are reported, not silently skipped.
 */
export function startScheduler(
  agents: Iterable<Agent>,
  trigger: Trigger,
  log: (line: string) => void,
) {
  const timers: NodeJS.Timeout[] = [];
  for (const agent of agents) {
    for (const schedule of agent.schedules) {
      const every = rateMs(schedule.expression);
      if (every === null) {
        log(`schedule ${agent.name}/${schedule.name} (${schedule.expression}) runs only in AWS`);
        continue;
      }
      const fire = () => {
        const time = new Date().toISOString();
        trigger({
          agent: agent.name,
          message: schedule.message,
          schedule: `${agent.name}-${schedule.name}`,
          time,
        }).catch((error: unknown) =>
          log(`schedule ${agent.name}/${schedule.name} failed: ${String(error)}`),
        );
      };
      timers.push(setInterval(fire, every).unref());
      log(`schedule ${agent.name}/${schedule.name}: ${schedule.expression}`);
    }
  }
  return { stop: () => timers.forEach(clearInterval) };
}
