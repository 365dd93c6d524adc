package dev.conman.bench;

import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.RuntimeServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * rpc (diagnostic, only when asked): the daemon's cost of a request that neither journals nor runs
 * runc: GetContainer of an exited container (gRPC in, supervisor, the container's actor, back), back
 * to back and one every 20 ms. The paced figure is what each step of a one-shot pays on top of its
 * journal write and runc: between steps the daemon's threads are idle and must be woken. The
 * health check (answered by grpc-java, no actor) is gRPC's own share.
 */
final class RoundTrip {

  static void run(Ctx c) throws Exception {
    String id = c.api().create(c.run + "rpc", "/bin/true").getId();
    c.api().start(id);
    c.api().await(id);
    RuntimeServiceGrpc.RuntimeServiceBlockingStub rt = RuntimeServiceGrpc.newBlockingStub(c.api().channel());
    GetContainerRequest get = GetContainerRequest.newBuilder().setRef(id).build();
    try {
      time(c, "Health.Check", () -> io.grpc.stub.ClientCalls.blockingUnaryCall(c.api().channel(), HEALTH_CHECK,
          io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[0]));
      time(c, "GetContainer", () -> rt.withDeadlineAfter(10, TimeUnit.SECONDS).getContainer(get));
    } finally {
      c.api().delete(id, true);
    }
  }

  /** grpc.health.v1.Health/Check with an empty request (all fields default), bytes in and out. */
  private static final io.grpc.MethodDescriptor<byte[], byte[]> HEALTH_CHECK = io.grpc.MethodDescriptor
      .<byte[], byte[]>newBuilder().setType(io.grpc.MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("grpc.health.v1.Health/Check")
      .setRequestMarshaller(Bytes.INSTANCE).setResponseMarshaller(Bytes.INSTANCE).build();

  private enum Bytes implements io.grpc.MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public java.io.InputStream stream(byte[] value) {
      return new java.io.ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(java.io.InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  private static void time(Ctx c, String rpc, Runnable call) {
    {
      for (int pause : List.of(0, 20)) {
        int n = c.quick ? 50 : (pause == 0 ? 500 : 150);
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n + 20; i++) {
          if (pause > 0) {
            Procs.sleep(pause);
          }
          long t0 = System.nanoTime();
          call.run();
          if (i >= 20) {
            ms.add((System.nanoTime() - t0) / 1e6);
          }
        }
        Stats s = Stats.of(ms);
        c.report.add("rpc", rpc + (pause == 0 ? " back to back" : " every " + pause + " ms"), s, "ms",
            null, null, "p99 " + Report.num(s.p99()));
      }
    }
  }
}
