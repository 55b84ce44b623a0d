/**
 * The sans-IO HTTP/2 core (RFC 9113): frame codec, stream state table, flow
 * control, write scheduling and the server connection object.
 *
 * @module
 */

export * from "./errors.ts";
export * from "./events.ts";
export * from "./settings.ts";
export * from "./conn_options.ts";
export * from "./stream_table.ts";
export * from "./flow.ts";
export * from "./headers.ts";
export * from "./scheduler.ts";
export * from "./connection.ts";
export * from "./frame/mod.ts";
