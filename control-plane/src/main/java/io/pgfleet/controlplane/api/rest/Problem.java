package io.pgfleet.controlplane.api.rest;

/** An RFC 9457 problem detail, the body of every API error. */
public record Problem(String type, String title, int status, String detail) {
    public static final String MEDIA_TYPE = "application/problem+json";
}
