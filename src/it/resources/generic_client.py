"""A generic gRPC client that has none of conman's .proto files: Debian's python3-grpcio.

Usage: /usr/bin/python3 generic_client.py unix:///path/to/conman.sock CONTAINER_NAME

Speaks to conmand the way grpcurl would: the health check and the reflection requests are encoded
by hand (grpc_health and grpc_reflection are not packaged in Debian 12); the conman.v1 messages are
built from the descriptors that server reflection returns. Prints one line per finding, for
GenericClientIT to check:
  health SERVING
  service <name>                      for each service reflection lists
  method <name>                       for each RuntimeService method
  get <name> <state> <command...>     GetContainer(CONTAINER_NAME), decoded from reflected descriptors
  list <n>                            the number of containers ListContainers returned
  unknown <status code>               GetContainer of a name that does not exist
Exits non-zero on any failure.
"""

import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

TIMEOUT = 10


def identity(b):
    return b


def encode_varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def decode_varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def fields(buf):
    """Yields (field number, value) of a serialized message: ints for varints, bytes for the rest."""
    i = 0
    while i < len(buf):
        key, i = decode_varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = decode_varint(buf, i)
        elif wire == 2:
            length, i = decode_varint(buf, i)
            value, i = buf[i:i + length], i + length
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield number, value


def string_field(number, text):
    data = text.encode()
    return encode_varint(number << 3 | 2) + encode_varint(len(data)) + data


def health(channel):
    check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                request_serializer=identity, response_deserializer=identity)
    response = check(b"", timeout=TIMEOUT)  # HealthCheckRequest{service: ""}
    status = dict(fields(response)).get(1, 0)  # HealthCheckResponse.status
    names = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}
    return names.get(status, str(status))


def reflect(channel, request):
    """One ServerReflectionInfo exchange; returns the response's fields as a list."""
    info = channel.stream_stream("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                 request_serializer=identity, response_deserializer=identity)
    responses = list(info(iter([request]), timeout=TIMEOUT))
    if len(responses) != 1:
        raise RuntimeError("expected one reflection response, got %d" % len(responses))
    found = list(fields(responses[0]))
    for number, value in found:
        if number == 7:  # error_response
            raise RuntimeError("reflection error: %r" % dict(fields(value)))
    return found


def list_services(channel):
    names = []
    for number, value in reflect(channel, string_field(7, "")):  # list_services
        if number == 6:  # list_services_response
            for n, service in fields(value):
                if n == 1:
                    names.append(dict(fields(service))[1].decode())
    return names


def descriptor_pool_for(channel, symbol):
    """A pool holding the file that defines symbol and its dependencies, as reflection sends them."""
    files = []
    for number, value in reflect(channel, string_field(4, symbol)):  # file_containing_symbol
        if number == 4:  # file_descriptor_response
            for n, serialized in fields(value):
                if n == 1:
                    files.append(descriptor_pb2.FileDescriptorProto.FromString(serialized))
    pool = descriptor_pool.DescriptorPool()
    added = set()
    while files:
        ready = [f for f in files if all(d in added for d in f.dependency)]
        if not ready:
            raise RuntimeError("reflection did not send the dependencies of %s"
                               % [f.name for f in files])
        for f in ready:
            pool.Add(f)
            added.add(f.name)
            files.remove(f)
    return pool


def message_class(pool, descriptor):
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def main():
    target, name = sys.argv[1], sys.argv[2]
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
        print("health", health(channel))
        for service in list_services(channel):
            print("service", service)

        pool = descriptor_pool_for(channel, "conman.v1.RuntimeService")
        runtime = pool.FindServiceByName("conman.v1.RuntimeService")
        for method in runtime.methods:
            print("method", method.name)

        def call(method_name, **request_fields):
            method = runtime.methods_by_name[method_name]
            request_class = message_class(pool, method.input_type)
            response_class = message_class(pool, method.output_type)
            stub = channel.unary_unary("/%s/%s" % (runtime.full_name, method.name),
                                       request_serializer=lambda m: m.SerializeToString(),
                                       response_deserializer=response_class.FromString)
            return stub(request_class(**request_fields), timeout=TIMEOUT)

        container = call("GetContainer", ref=name).container
        state = runtime.file.enum_types_by_name["ContainerState"].values_by_number[container.state].name
        print("get", container.name, state, " ".join(container.command))
        print("list", len(call("ListContainers").containers))
        try:
            call("GetContainer", ref="no-such-container-here")
            print("unknown OK")
        except grpc.RpcError as e:
            print("unknown", e.code().name, e.details())
    return 0


if __name__ == "__main__":
    sys.exit(main())
