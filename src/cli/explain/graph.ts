// The loaded graph as the explanation commands (why, tree, graph, analyze) read it: services by
// name, who depends on whom, the chains of activation up to an explicitly started service, and
// the words and colours of states and dependency kinds.

import type {
  DependencyLink,
  DependencyType,
  ManagerSnapshot,
  ServiceExplanation,
} from '../../model';
import { CliError } from '../../errors';
import type { CommandContext } from '../command';

/** The setting that makes each kind of dependency. */
export const DEP_WORDS: Readonly<Record<DependencyType, string>> = {
  regular: 'depends-on',
  soft: 'soft',
  'waits-for': 'waits-for',
  milestone: 'depends-ms',
  before: 'before',
  after: 'after',
  'prepared-by': 'prepared-by',
};

/** A link seen from either end: `from` depends on `link.to`. */
export interface Edge {
  from: string;
  link: DependencyLink;
}

/** One step of an activation chain: a service and the kind of link to the next one. */
export interface ChainStep {
  name: string;
  via?: DependencyType;
}

/** The state as dinitctl prints it, with "FAILED" for a service that stopped on a failure. */
export function stateLabel(s: ServiceExplanation): string {
  if (s.state === 'stopped' && failed(s)) return 'FAILED';
  return s.state.toUpperCase();
}

/** Stopped because a start failed or its process ended badly. */
export function failed(s: ServiceExplanation): boolean {
  if (s.stopReason === 'normal' || s.stopReason === 'deprestart') return false;
  if (s.stopReason !== 'terminated') return true;
  return s.exitStatus !== undefined && !(s.exitStatus.kind === 'exited' && s.exitStatus.code === 0);
}

/** Fill colours by state label, for the pictures. */
export const STATE_COLOURS: Readonly<Record<string, string>> = {
  STARTED: '#b7e4c7',
  STARTING: '#ffe8a3',
  STOPPING: '#ffd6a5',
  STOPPED: '#e3e3e3',
  FAILED: '#f4a6a6',
};

export class Graph {
  private readonly byName = new Map<string, ServiceExplanation>();
  private readonly dependentsOf = new Map<string, Edge[]>();

  constructor(readonly snap: ManagerSnapshot) {
    for (const s of snap.services) this.byName.set(s.name, s);
    for (const s of snap.services) {
      for (const link of s.dependsOn) {
        const list = this.dependentsOf.get(link.to) ?? [];
        list.push({ from: s.name, link });
        this.dependentsOf.set(link.to, list);
      }
    }
  }

  /** Every loaded service, sorted by name. */
  services(): ServiceExplanation[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): ServiceExplanation | undefined {
    return this.byName.get(name);
  }

  /** The links onto `name` from its dependents. */
  dependents(name: string): Edge[] {
    return this.dependentsOf.get(name) ?? [];
  }

  /**
   * Every chain of dependents holding `name` (a reason for it to run), each from a root (an
   * explicitly started service, or one nothing holds) down to `name`; at most `limit` chains.
   */
  activationChains(name: string, limit = 8): ChainStep[][] {
    const out: ChainStep[][] = [];
    // Breadth-first over holders; a path lists the services from `name` upwards, vias[i] is the
    // kind of the link from path[i + 1] onto path[i].
    const queue: Array<{ path: string[]; vias: DependencyType[] }> = [{ path: [name], vias: [] }];
    while (queue.length > 0 && out.length < limit) {
      const { path, vias } = queue.shift() as { path: string[]; vias: DependencyType[] };
      const top = path[path.length - 1];
      const holders = this.dependents(top).filter((e) => e.link.holding && !path.includes(e.from));
      if (path.length > 1 && (this.get(top)?.markedActive || holders.length === 0)) {
        out.push(
          path.map((n, i) => (i === 0 ? { name: n } : { name: n, via: vias[i - 1] })).reverse(),
        );
      }
      for (const e of holders)
        queue.push({ path: [...path, e.from], vias: [...vias, e.link.type] });
    }
    return out;
  }
}

/** The loaded graph from the daemon; throws CliError when it does not speak the extension. */
export async function loadGraph(ctx: CommandContext): Promise<Graph> {
  const port = await ctx.connect();
  const snap = (await port.extensionVersion()) === null ? null : await port.snapshot();
  if (snap === null) {
    throw new CliError(
      'ENOTSUP',
      `${ctx.cl.command ?? 'this command'}: not supported by this daemon (it does not speak the dinit-ts protocol extension)`,
    );
  }
  return new Graph(snap);
}

/** Seconds with millisecond precision ("1.234s"). */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}
