package dev.conman.grpc;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Runs the calls of methods that never block on the event loop that read them, instead of handing
 * each to grpc's executor: the hop to an idle thread costs a paced call about 0.1 ms, and a
 * one-shot container makes three such calls (start, wait, delete). Every other call goes to the
 * executor, as before.
 */
final class InlineCalls implements ServerCallExecutorSupplier {

  /** A service whose listed methods (full gRPC names) only hand work to actors or other executors. */
  interface NonBlocking {
    Set<String> nonBlockingMethods();
  }

  private final Set<String> methods;

  private InlineCalls(Set<String> methods) {
    this.methods = methods;
  }

  static InlineCalls of(List<BindableService> services) {
    Set<String> methods = new HashSet<>();
    for (BindableService service : services) {
      if (service instanceof NonBlocking nonBlocking) {
        methods.addAll(nonBlocking.nonBlockingMethods());
      }
    }
    return new InlineCalls(Set.copyOf(methods));
  }

  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
    return methods.contains(call.getMethodDescriptor().getFullMethodName()) ? MoreExecutors.directExecutor() : null;
  }
}
