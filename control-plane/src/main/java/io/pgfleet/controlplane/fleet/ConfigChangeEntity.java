package io.pgfleet.controlplane.fleet;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.OffsetDateTime;

/** The audit trail: one resource touched by one change, with its stored JSON before and after. */
@Entity
@Table(name = "config_change")
public class ConfigChangeEntity extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(nullable = false)
    public long revision;
    @Column(nullable = false)
    public String fleet;
    @Column(nullable = false)
    public String kind;
    @Column(nullable = false)
    public String name;
    @Column(nullable = false)
    public String action;
    @Column(nullable = false)
    public String actor;
    @Column(nullable = false)
    public OffsetDateTime at;
    @Column(nullable = false)
    public String summary;
    @JdbcTypeCode(SqlTypes.JSON)
    public String before;
    @JdbcTypeCode(SqlTypes.JSON)
    public String after;

    @Override
    public String toString() {
        return "ConfigChange[" + revision + " " + action + " " + fleet + "/" + kind + "/" + name + "]";
    }
}
