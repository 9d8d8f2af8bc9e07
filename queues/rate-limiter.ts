/**
 * Paces requests to one channel. A channel is synced by one worker at a time (the channel lease),
 * so a limiter in that worker's process is a limiter for the channel.
 */
export class ChannelPacer {
  private readonly nextSlot = new Map<string, number>();

  async take(key: string, perSecond: number): Promise<void> {
    if (perSecond <= 0) return;
    const interval = 1000 / perSecond;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot.get(key) ?? 0);
    this.nextSlot.set(key, slot + interval);
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }
}
