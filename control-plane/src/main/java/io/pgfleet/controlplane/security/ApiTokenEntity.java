package io.pgfleet.controlplane.security;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.OffsetDateTime;

/** One API token: its name, role and the SHA-256 of the token (the token itself is never stored). */
@Entity
@Table(name = "api_token")
public class ApiTokenEntity extends PanacheEntityBase {
    @Id
    public String name;
    /** Lower-case role name: viewer, operator or admin. */
    @Column(nullable = false)
    public String role;
    @Column(name = "token_sha256", nullable = false, unique = true)
    public byte[] tokenSha256;
    @Column(name = "created_at", nullable = false)
    public OffsetDateTime createdAt;
    @Column(name = "created_by", nullable = false)
    public String createdBy;

    @Override
    public String toString() {
        return "ApiTokenEntity[" + name + ", " + role + "]"; // never the hash
    }
}
