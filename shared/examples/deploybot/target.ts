/** A git tag that can be deployed. */
export interface GitTag {
  tag: string;
  commit: string;
  date: string;
}

export type Service = "backend" | "frontend";

export interface Deployment {
  service: Service;
  tag: string;
  idempotencyKey: string;
}

/**
 * A deployment target simulated in memory: it records every deployment, and a repeated
 * idempotency key returns the first deployment instead of deploying again.
 */
export class SimulatedDeployTarget {
  readonly deployments: Deployment[] = [];
  private readonly tags: readonly GitTag[];

  constructor(tags: readonly GitTag[] = defaultTags) {
    this.tags = tags;
  }

  listTags(): GitTag[] {
    return [...this.tags];
  }

  deploy(service: Service, tag: string, idempotencyKey: string): Deployment {
    const earlier = this.deployments.find((d) => d.idempotencyKey === idempotencyKey);
    if (earlier) return earlier;
    if (!this.tags.some((t) => t.tag === tag)) {
      throw new Error(`unknown tag ${tag}; known: ${this.tags.map((t) => t.tag).join(", ")}`);
    }
    const deployment = { service, tag, idempotencyKey };
    this.deployments.push(deployment);
    return deployment;
  }
}

const defaultTags: readonly GitTag[] = [
  { tag: "v1.2.0", commit: "4f1c2ab", date: "2026-11-20" },
  { tag: "v1.1.1", commit: "9be07d3", date: "2026-11-12" },
  { tag: "v1.1.0", commit: "2a9d410", date: "2026-11-02" },
];
