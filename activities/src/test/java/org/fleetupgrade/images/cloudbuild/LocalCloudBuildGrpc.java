package org.fleetupgrade.images.cloudbuild;

import com.google.cloudbuild.v1.Build;
import com.google.cloudbuild.v1.GetBuildRequest;
import com.google.cloudbuild.v1.ListBuildsRequest;
import com.google.cloudbuild.v1.ListBuildsResponse;
import com.google.protobuf.Message;
import io.grpc.InsecureServerCredentials;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Function;

/**
 * The gRPC face of a {@link LocalCloudBuild}, on loopback: the transport production uses, whose
 * requests carry a regional trigger's location in the message (parent, name).
 */
final class LocalCloudBuildGrpc implements AutoCloseable {

  private static final String SERVICE = "google.devtools.cloudbuild.v1.CloudBuild";

  private final Server server;

  LocalCloudBuildGrpc(LocalCloudBuild backend) throws IOException {
    ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
        .addMethod(method("ListBuilds", ListBuildsRequest.getDefaultInstance(), ListBuildsResponse.getDefaultInstance()),
            unary((ListBuildsRequest request) -> {
              String location = request.getParent().isEmpty() ? "projects/" + request.getProjectId() : request.getParent();
              backend.record(received(location, Map.of("filter", request.getFilter(),
                  "pageToken", request.getPageToken())));
              return backend.list(location, request.getFilter(), request.getPageToken());
            }))
        .addMethod(method("GetBuild", GetBuildRequest.getDefaultInstance(), Build.getDefaultInstance()),
            unary((GetBuildRequest request) -> {
              String location = request.getName().isEmpty()
                  ? "projects/" + request.getProjectId()
                  : request.getName().substring(0, request.getName().indexOf("/builds/"));
              String id = request.getName().isEmpty()
                  ? request.getId()
                  : request.getName().substring(request.getName().lastIndexOf('/') + 1);
              backend.record(received(location, Map.of()));
              return backend.get(location, id);
            }))
        .build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), InsecureServerCredentials.create())
        .addService(service)
        .build()
        .start();
  }

  /** host:port, for a plaintext channel. */
  String target() {
    return "127.0.0.1:" + server.getPort();
  }

  private static <Q extends Message, A extends Message> MethodDescriptor<Q, A> method(String name, Q request,
      A response) {
    return MethodDescriptor.<Q, A>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(ProtoUtils.marshaller(request))
        .setResponseMarshaller(ProtoUtils.marshaller(response))
        .build();
  }

  private static <Q, A> io.grpc.ServerCallHandler<Q, A> unary(Function<Q, A> answer) {
    return ServerCalls.asyncUnaryCall((Q request, StreamObserver<A> response) -> {
      A answered = answer.apply(request);
      if (answered == null) {
        response.onError(Status.NOT_FOUND.withDescription("no such build").asRuntimeException());
        return;
      }
      response.onNext(answered);
      response.onCompleted();
    });
  }

  private static LocalCloudBuild.Request received(String location, Map<String, String> query) {
    return new LocalCloudBuild.Request("grpc", location, null, query, null);
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
