package io.pgfleet.controlplane.fleet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/** Revisions come from one PostgreSQL sequence, so every replica agrees on their order. */
@ApplicationScoped
public class Revisions {
    @Inject
    EntityManager em;

    /** Takes the next revision; call inside the transaction that makes the change. */
    public long next() {
        return ((Number) em.createNativeQuery("SELECT nextval('config_revision')").getSingleResult()).longValue();
    }

    /** The newest revision taken so far (0 before the first change). */
    public long latest() {
        return ((Number) em.createNativeQuery(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM config_revision").getSingleResult()).longValue();
    }
}
