/**
 * A token bucket that schedules instead of dropping: `reserve(bytes, now)` answers when those bytes
 * may go, so a sender that waits until then never exceeds `rate` bytes per second beyond an initial
 * `burst`. It shapes one direction of the emulated link when network namespaces are not available
 * (bench/lib/relay.ts): reservations are first come, first served, like a NIC's queue, so every
 * connection through it shares the one rate. Pure: time comes in as `now` (milliseconds).
 */
export class TokenBucket {
  /** Tokens (bytes) available at `stamp`; negative = bytes already promised to waiting senders. */
  private tokens: number;
  private stamp: number;

  constructor(
    readonly rateBytesPerSecond: number,
    readonly burstBytes: number,
    now: number,
  ) {
    if (!(rateBytesPerSecond > 0))
      throw new RangeError(`rate must be > 0 bytes/s, got ${rateBytesPerSecond}`);
    if (!(burstBytes >= 0)) throw new RangeError(`burst must be >= 0 bytes, got ${burstBytes}`);
    this.tokens = burstBytes;
    this.stamp = now;
  }

  /** The time (ms, >= now) from which `bytes` may be sent; the bytes are counted as sent. */
  reserve(bytes: number, now: number): number {
    if (!(bytes >= 0)) throw new RangeError(`bytes must be >= 0, got ${bytes}`);
    this.refill(now);
    this.tokens -= bytes;
    return this.tokens >= 0 ? this.stamp : this.stamp + (-this.tokens / this.rateBytesPerSecond) * 1000;
  }

  private refill(now: number): void {
    // Time never runs backwards for the bucket (a caller's clock may jitter by a microsecond).
    if (now > this.stamp) {
      this.tokens = Math.min(
        this.burstBytes,
        this.tokens + ((now - this.stamp) / 1000) * this.rateBytesPerSecond,
      );
      this.stamp = now;
    }
  }
}
