/** Handed from global setup to global teardown. */
export interface TestDatabaseState {
  /** The server the test database lives on (any database on it). */
  serverUrl: string;
  database: string;
  /** Stops the embedded server, when the run started one. */
  stop?: () => Promise<void>;
}
