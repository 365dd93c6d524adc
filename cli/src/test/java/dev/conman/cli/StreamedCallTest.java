package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.grpc.stub.ClientCallStreamObserver;
import org.junit.jupiter.api.Test;

class StreamedCallTest {

  /** The call as the stub hands it over: counts the messages asked for. */
  private static final class Requests extends ClientCallStreamObserver<String> {
    int asked;

    @Override
    public void request(int count) {
      asked += count;
    }

    @Override
    public void disableAutoRequestWithInitial(int request) {
      asked += request;
    }

    @Override
    public void cancel(String message, Throwable cause) {}

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void onNext(String value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }

  private static StreamedCall<String, String> call(long readAhead, Requests requests) {
    StreamedCall<String, String> call = new StreamedCall<>(ByteString::toStringUtf8, "eof", false, String::length,
        readAhead);
    call.beforeStart(requests);
    return call;
  }

  @Test
  void attachAsksForOutputWhileItsReadAheadHasRoom() throws InterruptedException {
    Requests requests = new Requests();
    StreamedCall<String, String> call = call(10, requests);
    assertEquals(1, requests.asked);
    call.onNext("four");
    call.onNext("four");
    assertEquals(3, requests.asked, "8 bytes wait: room for more");
    call.onNext("four");
    assertEquals(3, requests.asked, "12 bytes wait: paused until some are written");
    call.written(call.take());
    assertEquals(4, requests.asked);
    call.written(call.take());
    assertEquals(4, requests.asked, "asked already");
  }

  @Test
  void execAsksForTheNextMessageOnceTheLastIsWritten() throws InterruptedException {
    Requests requests = new Requests();
    StreamedCall<String, String> call = call(0, requests);
    call.onNext("out");
    assertEquals(1, requests.asked);
    call.written(call.take());
    assertEquals(2, requests.asked);
    call.onNext("");
    assertEquals(3, requests.asked, "a message without output (the exit code) holds nothing back");
  }

  @Test
  void aMessagePutBackComesFirst() throws InterruptedException {
    StreamedCall<String, String> call = call(100, new Requests());
    call.onNext("first");
    Object first = call.take();
    call.onNext("second");
    call.putBack(first);
    assertEquals("first", call.take());
  }
}
