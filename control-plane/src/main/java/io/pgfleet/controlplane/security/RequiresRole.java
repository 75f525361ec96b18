package io.pgfleet.controlplane.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The role a REST resource method needs (on a method, or on the class for all its methods;
 * the method's annotation wins). Without one, GET and HEAD need {@link Role#VIEWER} and
 * every other method needs {@link Role#ADMIN}, so a write nobody annotated fails closed.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RequiresRole {
    Role value();
}
