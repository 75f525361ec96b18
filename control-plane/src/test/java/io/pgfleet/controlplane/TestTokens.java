package io.pgfleet.controlplane;

import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/** API credentials for tests: the test profile's bootstrap admin token (pgfleet.api.admin-token). */
public final class TestTokens {
    public static final String ADMIN = "test-admin-token";

    private TestTokens() {
    }

    public static RequestSpecification given() {
        return RestAssured.given().header("Authorization", "Bearer " + ADMIN);
    }

    public static <S extends io.grpc.stub.AbstractStub<S>> S withAdminToken(S stub) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + ADMIN);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
}
