package io.pgfleet.controlplane;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/** API credentials for tests. Interim: the API does not check tokens yet. */
final class TestTokens {
    private TestTokens() {
    }

    static RequestSpecification given() {
        return RestAssured.given();
    }

    static <S extends io.grpc.stub.AbstractStub<S>> S withAdminToken(S stub) {
        return stub;
    }
}
