/**
 * A bounded cache of parsed templates keyed by their source text, the least recently used
 * dropped first. A template's text is the same for every delivery of a run, so parsing it once
 * saves the tokenizer and parser for all the others; keying by the text itself (not by a
 * template id) means an edited template can never be rendered from its old parse.
 */
export type ParsedCacheLimits = {
  /** entries kept at most */
  maxEntries: number;
  /**
   * characters of source text kept at most, all entries together: a parsed template's size
   * follows its text's, so this bounds the memory the cache holds
   */
  maxTextLength: number;
};

export type ParsedCache<T> = {
  /** The parse of `text`, from the cache or from `parse` (kept when it succeeds and fits). */
  get: (text: string, parse: (text: string) => T) => T;
  /** Entries held now. */
  size: () => number;
};

/** Creates an empty cache with these bounds. */
export function createParsedCache<T>(limits: ParsedCacheLimits): ParsedCache<T> {
  // A Map iterates in insertion order: re-inserting each hit keeps the least recently used first.
  const entries = new Map<string, T>();
  let textLength = 0;

  function evictBeyondLimits(): void {
    for (const oldest of entries.keys()) {
      if (entries.size <= limits.maxEntries && textLength <= limits.maxTextLength) return;
      entries.delete(oldest);
      textLength -= oldest.length;
    }
  }

  return {
    get: (text, parse) => {
      const cached = entries.get(text);
      if (cached !== undefined) {
        entries.delete(text);
        entries.set(text, cached);
        return cached;
      }
      // A text that does not parse throws here and is not kept: it is refused each time, as before.
      const parsed = parse(text);
      // A text larger than the whole cache would only empty it.
      if (text.length > limits.maxTextLength) return parsed;
      entries.set(text, parsed);
      textLength += text.length;
      evictBeyondLimits();
      return parsed;
    },
    size: () => entries.size,
  };
}
