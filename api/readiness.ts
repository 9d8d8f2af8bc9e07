/**
 * Whether this process should be sent new requests. Liveness (/healthz) says the process works;
 * readiness (/readyz) also says "send me traffic", which stops being true the moment shutdown
 * begins, while in-flight requests and deliveries still finish. A load balancer that polls
 * /readyz then takes this instance out before its listener closes.
 */
export class Readiness {
  #drainingSince: Date | undefined;
  #reason = '';

  get draining(): boolean {
    return this.#drainingSince !== undefined;
  }

  /** Idempotent: a second signal keeps the first time and reason. */
  startDraining(reason = 'shutting down'): void {
    if (this.#drainingSince) return;
    this.#drainingSince = new Date();
    this.#reason = reason;
  }

  /** `no`, or why and since when, for the /readyz `draining` check. */
  describe(): string {
    return this.#drainingSince ? `yes: ${this.#reason} since ${this.#drainingSince.toISOString()}` : 'no';
  }
}
