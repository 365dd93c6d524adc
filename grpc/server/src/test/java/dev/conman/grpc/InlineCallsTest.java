package dev.conman.grpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.MoreExecutors;
import dev.conman.api.v1.RuntimeServiceGrpc;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InlineCallsTest {

  /** Only the method descriptor matters to the supplier. */
  private static <Q, R> ServerCall<Q, R> callOf(MethodDescriptor<Q, R> method) {
    return new ServerCall<>() {
      @Override public void request(int n) {}
      @Override public void sendHeaders(Metadata headers) {}
      @Override public void sendMessage(R message) {}
      @Override public void close(Status status, Metadata trailers) {}
      @Override public boolean isCancelled() { return false; }
      @Override public MethodDescriptor<Q, R> getMethodDescriptor() { return method; }
    };
  }

  private static final class Listed implements BindableService, InlineCalls.NonBlocking {
    @Override
    public ServerServiceDefinition bindService() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Set<String> nonBlockingMethods() {
      return Set.of(RuntimeServiceGrpc.getStartContainerMethod().getFullMethodName());
    }
  }

  @Test
  void listedMethodsRunOnTheEventLoopAndTheOthersOnTheExecutor() {
    InlineCalls calls = InlineCalls.of(List.of(new Listed()));
    assertSame(MoreExecutors.directExecutor(),
        calls.getExecutor(callOf(RuntimeServiceGrpc.getStartContainerMethod()), new Metadata()));
    assertNull(calls.getExecutor(callOf(RuntimeServiceGrpc.getCreateContainerMethod()), new Metadata()),
        "null: grpc's executor");
  }

  @Test
  void aServiceThatListsNothingKeepsTheExecutor() {
    InlineCalls calls = InlineCalls.of(List.of());
    assertNull(calls.getExecutor(callOf(RuntimeServiceGrpc.getStartContainerMethod()), new Metadata()));
  }

  @Test
  void runtimeServiceCallsThatMayBlockStayOffTheEventLoop() {
    assertTrue(RuntimeServiceImpl.NON_BLOCKING.contains(RuntimeServiceGrpc.getStartContainerMethod().getFullMethodName()));
    assertTrue(RuntimeServiceImpl.NON_BLOCKING.contains(RuntimeServiceGrpc.getWaitContainerMethod().getFullMethodName()));
    for (MethodDescriptor<?, ?> mayBlock : List.of(RuntimeServiceGrpc.getCreateContainerMethod(),
        RuntimeServiceGrpc.getContainerStatsMethod(), RuntimeServiceGrpc.getListContainerStatsMethod(),
        RuntimeServiceGrpc.getListNetworksMethod())) {
      assertFalse(RuntimeServiceImpl.NON_BLOCKING.contains(mayBlock.getFullMethodName()), mayBlock.getFullMethodName());
    }
  }
}
