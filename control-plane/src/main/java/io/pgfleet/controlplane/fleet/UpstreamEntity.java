package io.pgfleet.controlplane.fleet;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.OffsetDateTime;

@Entity
@Table(name = "upstream")
public class UpstreamEntity extends PanacheEntityBase {
    @Id
    public String name;
    @Column(nullable = false)
    public String host;
    @Column(nullable = false)
    public int port;
    @Column(nullable = false)
    public String dbname;
    @Column(nullable = false)
    public long revision;
    @Column(name = "updated_at", nullable = false)
    public OffsetDateTime updatedAt;
}
