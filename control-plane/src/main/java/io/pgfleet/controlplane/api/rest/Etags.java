package io.pgfleet.controlplane.api.rest;

import io.pgfleet.controlplane.fleet.ValidationException;
import jakarta.ws.rs.core.EntityTag;

/** Revisions as HTTP entity tags: ETag "<revision>", If-Match "<revision>" or *. */
final class Etags {
    private Etags() {
    }

    static EntityTag of(long revision) {
        return new EntityTag(Long.toString(revision));
    }

    /** null when absent, -1 for "*", else the revision the caller read. */
    static Long ifMatch(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.strip();
        if (value.equals("*")) {
            return -1L;
        }
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        value = value.replace("\"", "");
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new ValidationException("If-Match must be a revision as returned in ETag, e.g. \"42\", or *");
        }
    }
}
