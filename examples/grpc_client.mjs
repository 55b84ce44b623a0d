// Calls the echo service of examples/grpc.ts with @grpc/grpc-js, no protobuf:
// messages are raw bytes, so the serializers are the identity.
//
//   deno run -A examples/grpc.ts      (or: bun examples/grpc.ts)
//   node examples/grpc_client.mjs 50051
import * as grpc from "@grpc/grpc-js";

const port = Number(process.argv[2] ?? 50051);
const id = (b) => b;
const method = (name, requestStream, responseStream) => ({
  path: `/echo.Echo/${name}`,
  requestStream,
  responseStream,
  requestSerialize: id,
  requestDeserialize: id,
  responseSerialize: id,
  responseDeserialize: id,
});
const Echo = grpc.makeGenericClientConstructor({
  Unary: method("Unary", false, false),
  ServerStream: method("ServerStream", false, true),
  Fail: method("Fail", false, false),
}, "Echo");

const client = new Echo(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
const deadline = () => Date.now() + 5000;

client.Unary(Buffer.from("hello"), { deadline: deadline() }, (err, res) => {
  console.log("Unary:", err ? err.message : res.toString());
  const call = client.ServerStream(Buffer.from("3"), { deadline: deadline() });
  call.on("data", (m) => console.log("ServerStream:", m.toString()));
  call.on("status", (s) => {
    console.log("ServerStream status:", s.code, "x-count:", s.metadata.get("x-count"));
    client.Fail(Buffer.from("x"), { deadline: deadline() }, (e) => {
      console.log("Fail:", grpc.status[e.code], e.details);
      client.close();
    });
  });
});
