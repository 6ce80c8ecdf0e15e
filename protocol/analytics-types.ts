// Shapes of a document's analytics (GET /api/v1/documents/:id/analytics, its owner only) and of
// the embed settings the share dialog reads (GET /api/v1/embed/settings).

export interface DocumentAnalyticsJson {
  views: {
    /** All-time reads of the public page and of the embed. */
    public: number;
    embed: number;
    /** The last 30 UTC days, oldest first, today last; days without a view are 0. */
    last30Days: { day: string; public: number; embed: number }[];
  };
  runs: {
    /** All-time runs in the editor (one per "Run" or "Run all"). */
    total: number;
    last30Days: number;
    /** Who ran it last (null: nobody yet, or the account is gone) and when (ISO time). */
    lastRunBy: string | null;
    lastRunAt: string | null;
  };
}

export interface EmbedSettingsJson {
  /** Origins allowed to frame /embed/SLUG; empty: embedding is refused everywhere. */
  embedOrigins: string[];
}
