package io.pgfleet.dataplane.compat;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The client a compatibility test class exercises: the heading of its table in
 * docs/compatibility.md. {@code {version}} is replaced by what the class passes to
 * {@link Compat#driverVersion(String)} in its {@code @BeforeAll}, so the matrix names the
 * version that actually ran, e.g. {@code @Driver("pgjdbc {version}, prepareThreshold=1")}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Driver {
    String value();

    /** What a reader of the matrix should know about this client that no single cell says. */
    String notes() default "";
}
