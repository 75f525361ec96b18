package io.pgfleet.controlplane.fleet;

import io.pgfleet.proto.v1.Credential;
import io.pgfleet.proto.v1.HostPort;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceKey;
import io.pgfleet.proto.v1.ResourceType;
import io.pgfleet.proto.v1.ServerSecret;
import io.pgfleet.proto.v1.Upstream;

/** Entities to the resources nodes receive. */
final class ResourceMapper {
    private ResourceMapper() {
    }

    static Resource upstream(String name, String host, int port, String dbname, long revision) {
        return Resource.newBuilder()
                .setKey(ResourceKey.newBuilder().setType(ResourceType.UPSTREAM).setName(name))
                .setRevision(revision)
                .setUpstream(Upstream.newBuilder().addHosts(HostPort.newBuilder().setHost(host).setPort(port)).setDbname(dbname))
                .build();
    }

    static Resource credential(String name, String scramVerifier, String serverPassword, long revision) {
        return Resource.newBuilder()
                .setKey(ResourceKey.newBuilder().setType(ResourceType.CREDENTIAL).setName(name))
                .setRevision(revision)
                .setCredential(Credential.newBuilder().setUsername(name).setScramVerifier(scramVerifier)
                        .setServerSecret(ServerSecret.newBuilder().setPassword(serverPassword)))
                .build();
    }
}
