package io.pgfleet.controlplane.fleet;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.io.Serializable;
import java.time.OffsetDateTime;
import java.util.List;

/** One resource of a fleet at its current revision; {@code spec} is its stored JSON (secrets sealed). */
@Entity
@Table(name = "desired_resource")
@IdClass(DesiredResourceEntity.Key.class)
public class DesiredResourceEntity extends PanacheEntityBase {
    @Id
    public String fleet;
    @Id
    public String kind;
    @Id
    public String name;
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public String spec;
    @Column(nullable = false)
    public long revision;
    @Column(name = "updated_at", nullable = false)
    public OffsetDateTime updatedAt;
    @Column(name = "updated_by", nullable = false)
    public String updatedBy;

    public record Key(String fleet, String kind, String name) implements Serializable {
        public Key() {
            this(null, null, null);
        }
    }

    static List<DesiredResourceEntity> ofFleet(String fleet) {
        return list("fleet = ?1 order by kind, name", fleet);
    }

    static DesiredResourceEntity find(String fleet, String kind, String name) {
        return findById(new Key(fleet, kind, name));
    }

    @Override
    public String toString() {
        return "DesiredResource[" + fleet + "/" + kind + "/" + name + "@" + revision + "]"; // never the spec: it may hold sealed secrets
    }
}
