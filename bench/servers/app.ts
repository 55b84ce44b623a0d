/**
 * The benchmark application as a module for serveWorkers: each worker
 * imports it and serves its default export.
 *
 * @module
 */
import { handleWithWs } from "./ws_echo.ts";

export default { fetch: handleWithWs };
