package io.pgfleet.dataplane.compat;

import io.pgfleet.dataplane.config.PoolMode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records every compatibility test's outcome for {@link CompatibilityMatrix}: after each
 * test, one line of {@code data-plane/pooler/target/compatibility/results.tsv} with
 * <pre>driver  feature  pool_mode  outcome  note  test  detail</pre>
 * where driver is the class's {@link Driver} (with its {@code {version}} filled in), feature
 * the method's {@link DisplayName}, pool_mode the test's {@link PoolMode} argument, outcome
 * {@code passed}, {@code failed} or {@code aborted}, note what the test said with
 * {@link Compat#note(String)}, test {@code Class#method}, and detail the first line of a
 * failure. A class whose {@code @BeforeAll} failed gets a failed (or aborted) line per
 * feature and mode, so a broken set-up shows in the matrix instead of vanishing from it.
 *
 * <p>The first compatibility class of a JVM starts the files afresh. Beside results.tsv,
 * {@code environment.tsv} holds {@link Compat#environment} facts and {@code drivers.tsv} each
 * class's driver, class name and {@link Driver#notes()}. Tests must run on one thread (the
 * default).
 */
public final class CompatibilityRecorder implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        InvocationInterceptor, TestWatcher {
    /** Where results go; {@code -Dpgfleet.compat.dir=...} overrides. */
    public static final String DIR_PROPERTY = "pgfleet.compat.dir";
    static final String HEADER = "driver\tfeature\tpool_mode\toutcome\tnote\ttest\tdetail";

    private static final Object LOCK = new Object();
    private static boolean started;
    private static final ThreadLocal<Class<?>> CURRENT_CLASS = new ThreadLocal<>();
    private static final ThreadLocal<String> CURRENT_TEST = new ThreadLocal<>();
    private static final Map<Class<?>, String> VERSIONS = new ConcurrentHashMap<>();
    private static final Map<Class<?>, Integer> RECORDED = new ConcurrentHashMap<>();
    private static final Map<String, PoolMode> MODES = new ConcurrentHashMap<>();
    private static final Map<String, List<String>> NOTES = new ConcurrentHashMap<>();

    // ---- what tests call, through Compat ----------------------------------------------------

    static void note(String note) {
        String test = CURRENT_TEST.get();
        if (test == null) {
            throw new IllegalStateException("Compat.note outside a test of a class extended with CompatibilityRecorder");
        }
        NOTES.computeIfAbsent(test, t -> new ArrayList<>()).add(note);
    }

    static void driverVersion(String version) {
        Class<?> testClass = CURRENT_CLASS.get();
        if (testClass == null) {
            throw new IllegalStateException("Compat.driverVersion outside a class extended with CompatibilityRecorder");
        }
        VERSIONS.put(testClass, version);
    }

    static void environment(String key, String value) {
        start();
        append(directory().resolve("environment.tsv"), clean(key) + "\t" + clean(value));
    }

    // ---- JUnit callbacks ----------------------------------------------------------------------

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
        CURRENT_CLASS.set(context.getRequiredTestClass());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        CURRENT_TEST.set(context.getUniqueId());
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                            ExtensionContext extensionContext) throws Throwable {
        for (Object argument : invocationContext.getArguments()) {
            if (argument instanceof PoolMode mode) {
                MODES.put(extensionContext.getUniqueId(), mode);
            }
        }
        invocation.proceed();
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        record(context, "passed", null);
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        record(context, "failed", cause);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        record(context, "aborted", cause);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        CURRENT_CLASS.remove();
        Driver driver = testClass.getAnnotation(Driver.class);
        append(directory().resolve("drivers.tsv"), String.join("\t", clean(driverName(testClass)), testClass.getSimpleName(),
                clean(driver == null ? "" : driver.notes())));
        Throwable failure = context.getExecutionException().orElse(null);
        if (failure == null || RECORDED.getOrDefault(testClass, 0) > 0) {
            return;
        }
        // @BeforeAll failed: no test ran. Every feature of the class fails (or is skipped) in every mode it names.
        String outcome = failure instanceof TestAbortedException ? "aborted" : "failed";
        Method[] methods = testClass.getDeclaredMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        for (Method method : methods) {
            if (!method.isAnnotationPresent(ParameterizedTest.class)) {
                continue;
            }
            for (PoolMode mode : modes(method)) {
                write(testClass, method, mode, outcome, List.of("class set-up failed"), failure);
            }
        }
    }

    // ---- writing ------------------------------------------------------------------------------

    private static void record(ExtensionContext context, String outcome, Throwable cause) {
        String id = context.getUniqueId();
        CURRENT_TEST.remove();
        PoolMode mode = MODES.remove(id);
        if (mode == null) {
            // Failed before its arguments were seen (in @BeforeEach): the invocation's name has the mode.
            for (PoolMode m : PoolMode.values()) {
                if (context.getDisplayName().contains(m.name())) {
                    mode = m;
                }
            }
        }
        List<String> notes = NOTES.remove(id);
        write(context.getRequiredTestClass(), context.getRequiredTestMethod(), mode, outcome,
                notes == null ? List.of() : notes, cause);
    }

    private static void write(Class<?> testClass, Method method, PoolMode mode, String outcome, List<String> notes, Throwable cause) {
        DisplayName displayName = method.getAnnotation(DisplayName.class);
        String feature = displayName == null ? method.getName() : displayName.value();
        String detail = "";
        if (cause != null) {
            String message = cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
            detail = message.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
            if (detail.length() > 300) {
                detail = detail.substring(0, 297) + "...";
            }
        }
        String line = String.join("\t", clean(driverName(testClass)), clean(feature), mode == null ? "" : mode.iniName(), outcome,
                clean(String.join("; ", notes)), testClass.getSimpleName() + "#" + method.getName(), clean(detail));
        append(directory().resolve("results.tsv"), line);
        RECORDED.merge(testClass, 1, Integer::sum);
    }

    private static String driverName(Class<?> testClass) {
        Driver driver = testClass.getAnnotation(Driver.class);
        String name = driver == null ? testClass.getSimpleName() : driver.value();
        return name.replace("{version}", VERSIONS.getOrDefault(testClass, "(version unknown)"));
    }

    private static List<PoolMode> modes(Method method) {
        EnumSource source = method.getAnnotation(EnumSource.class);
        if (source == null || source.names().length == 0) {
            return List.of(PoolMode.values());
        }
        Set<String> names = Set.of(source.names());
        return Arrays.stream(PoolMode.values()).filter(m -> names.contains(m.name())).toList();
    }

    /** Starts both files afresh once per JVM. */
    private static void start() {
        synchronized (LOCK) {
            if (started) {
                return;
            }
            try {
                Path dir = directory();
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("results.tsv"), HEADER + "\n", StandardCharsets.UTF_8);
                Files.writeString(dir.resolve("environment.tsv"), "", StandardCharsets.UTF_8);
                Files.writeString(dir.resolve("drivers.tsv"), "", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            started = true;
        }
    }

    private static void append(Path file, String line) {
        synchronized (LOCK) {
            try {
                Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String clean(String text) {
        return text == null ? "" : text.replaceAll("[\\t\\r\\n]+", " ").strip();
    }

    /** target/compatibility of the pooler module, wherever the tests run from (surefire: the module). */
    static Path directory() {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("src/test/java/io/pgfleet/dataplane/compat"))) {
                return dir.resolve("target/compatibility");
            }
            if (Files.isDirectory(dir.resolve("data-plane/pooler/src/test/java/io/pgfleet/dataplane/compat"))) {
                return dir.resolve("data-plane/pooler/target/compatibility");
            }
        }
        throw new IllegalStateException("no data-plane/pooler above " + Path.of("").toAbsolutePath());
    }
}
