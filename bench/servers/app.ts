/**
 * The benchmark application as a module for serveWorkers: each worker
 * imports it and serves its default export.
 *
 * @module
 */
import { handle } from "./handler.ts";

export default { fetch: handle };
