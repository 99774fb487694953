// What the collector needs from a source that is scraped (static URLs, Kubernetes pods): the list
// of targets (re-discovered at each snapshot, so pods that appear mid-run are seen) and one scrape.

export interface ScrapeTarget {
  /** Pod name, or 'epp' / the EPP pod's name. */
  name: string;
  role?: string;
  /** host:port the target is reached on (pod IP for Kubernetes), used to map EPP `ip:port` to names. */
  address?: string;
  /** Where the exposition came from, without credentials (for evidence). */
  url?: string;
}

export interface ScrapeSource {
  readonly kind: 'static' | 'kubernetes';
  readonly name: string;
  discover(): Promise<ScrapeTarget[]>;
  /** Exposition text of one target; rejects with a message that carries no secret. */
  scrape(target: ScrapeTarget): Promise<string>;
  /**
   * Remove this target's secrets from a message about its body (a parse error quotes the body, and a
   * misbehaving endpoint might echo the Authorization header back with a 200).
   */
  redact?(target: ScrapeTarget, message: string): Promise<string>;
}
