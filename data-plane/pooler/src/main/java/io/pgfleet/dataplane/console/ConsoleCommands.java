package io.pgfleet.dataplane.console;

import io.netty.channel.Channel;
import io.pgfleet.dataplane.client.PoolerContext;
import io.pgfleet.dataplane.pool.PoolManager;
import org.jboss.logging.Logger;

import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * PgBouncer's console commands that change things (admin users only; the caller checks):
 * PAUSE, RESUME, RECONNECT, KILL, KILL_CLIENT, DISABLE, ENABLE, WAIT_CLOSE, RELOAD,
 * SHUTDOWN. Arguments are checked in PgBouncer's order and refused with its words. A
 * command that waits (PAUSE, WAIT_CLOSE) answers once the wait is over, as PgBouncer does;
 * the connection meanwhile reads nothing else.
 */
final class ConsoleCommands {
    private static final Logger LOG = Logger.getLogger(ConsoleCommands.class);

    private final PoolerContext pooler;
    private final Channel channel;
    private final String user;

    ConsoleCommands(PoolerContext pooler, Channel channel, String user) {
        this.pooler = pooler;
        this.channel = channel;
        this.user = user;
    }

    /** The reply to {@code command}, or null when it is not one of these commands. */
    CompletableFuture<Reply> run(ConsoleCommand command) {
        String arg = command.argument();
        return switch (command.verb()) {
            case "PAUSE" -> pause(arg);
            case "RESUME" -> now(resume(arg));
            case "RECONNECT" -> now(reconnect(arg));
            case "KILL" -> kill(arg);
            case "KILL_CLIENT" -> killClient(arg);
            case "DISABLE" -> now(disable(arg, true));
            case "ENABLE" -> now(disable(arg, false));
            case "WAIT_CLOSE" -> waitClose(arg);
            case "RELOAD" -> arg.isEmpty() ? reload() : null;
            case "SHUTDOWN" -> shutdown(arg);
            default -> null;
        };
    }

    private PoolManager pools() {
        return pooler.pools();
    }

    private CompletableFuture<Reply> pause(String database) {
        if (pools().adminState().paused()) {
            return now(Reply.error("already suspended/paused"));
        }
        if (database.isEmpty()) {
            LOG.infof("PAUSE issued by %s", user);
            pools().pause();
            return until(() -> pools().serversOf(d -> true) == 0, "PAUSE");
        }
        String refused = refusal(database, "pause");
        if (refused != null) {
            return now(Reply.error(refused));
        }
        LOG.infof("PAUSE '%s' issued by %s", database, user);
        pools().pause(database);
        return until(() -> pools().serversOf(database::equals) == 0, "PAUSE");
    }

    private Reply resume(String database) {
        if (database.isEmpty()) {
            PoolManager.AdminState state = pools().adminState();
            if (pooler.console().actions().shuttingDown()) {
                return Reply.error("pooler is shutting down");
            }
            if (!state.paused() && state.pausedDatabases().isEmpty()) {
                return Reply.error("pooler is not paused/suspended");
            }
            LOG.infof("RESUME issued by %s", user);
            pools().resumeAll();
            return Reply.done("RESUME");
        }
        if (!database.equals(AdminConsole.DATABASE) && pooler.config().current().database(database) == null) {
            return Reply.error("no such database: " + database);
        }
        if (!pools().resume(database)) {
            return Reply.error("database " + database + " is not paused");
        }
        LOG.infof("RESUME '%s' issued by %s", database, user);
        return Reply.done("RESUME");
    }

    private Reply reconnect(String database) {
        String refused = database.isEmpty() ? null : refusal(database, "reconnect");
        if (refused != null) {
            return Reply.error(refused);
        }
        LOG.infof("RECONNECT %s issued by %s", database.isEmpty() ? "(all databases)" : "'" + database + "'", user);
        pools().reconnect(matching(database));
        return Reply.done("RECONNECT");
    }

    /** KILL: as PgBouncer, the database is paused too, so new clients wait until RESUME. */
    private CompletableFuture<Reply> kill(String database) {
        if (pools().adminState().paused()) {
            return now(Reply.error("already suspended/paused"));
        }
        String refused = database.isEmpty() ? null : refusal(database, "kill");
        if (refused != null) {
            return now(Reply.error(refused));
        }
        LOG.infof("KILL %s issued by %s", database.isEmpty() ? "(all databases)" : "'" + database + "'", user);
        if (database.isEmpty()) {
            pools().views().stream().map(p -> p.key().database()).distinct().forEach(pools()::pause);
        } else {
            pools().pause(database);
        }
        // PgBouncer's reason for dropping a pool's clients ("database removed")
        return pooler.clients().kill(matching(database), "database removed").thenApply(n -> Reply.done("KILL"));
    }

    /** KILL_CLIENT id: the id SHOW CLIENTS shows; its ptr ({@code 0x...}) is accepted too. */
    private CompletableFuture<Reply> killClient(String argument) {
        Integer id = clientId(argument);
        if (id == null) {
            return now(Reply.error("invalid client pointer supplied"));
        }
        LOG.infof("KILL_CLIENT %s issued by %s", argument, user);
        return pooler.clients().kill(id, "admin forced disconnect")
                .thenApply(found -> found ? Reply.done("KILL_CLIENT") : Reply.error("client not found"));
    }

    private Integer clientId(String argument) {
        if (argument.regionMatches(true, 0, "0x", 0, 2)) {
            // the ptr column: find the client it names (ptrs are identity hashes, not addresses)
            try {
                int ptr = Integer.parseUnsignedInt(argument.substring(2), 16);
                return pooler.clients().processIdOfPtr(ptr); // -1 when none: "client not found"
            } catch (NumberFormatException e) {
                return null;
            }
        }
        try {
            long id = Long.parseLong(argument);
            return id >= 0 && id <= 0xFFFF_FFFFL ? (int) id : Integer.valueOf(-1);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Reply disable(String database, boolean disable) {
        String word = disable ? "disable" : "enable";
        if (database.isEmpty()) {
            return Reply.error("a database is required");
        }
        String refused = refusal(database, word);
        if (refused != null) {
            return Reply.error(refused);
        }
        LOG.infof("%s '%s' issued by %s", word.toUpperCase(Locale.ROOT), database, user);
        pools().disabled(database, disable);
        return Reply.done(disable ? "DISABLE" : "ENABLE");
    }

    private CompletableFuture<Reply> waitClose(String database) {
        String refused = database.isEmpty() ? null : refusal(database, "wait in");
        if (refused != null) {
            return now(Reply.error(refused));
        }
        Predicate<String> which = matching(database);
        return until(() -> pools().closeNeeded(which) == 0, "WAIT_CLOSE");
    }

    /**
     * RELOAD runs the program's reload off the event loops (it reads files). A node without
     * one (configured by the control plane, or embedded) says so in a notice and changes nothing.
     */
    private CompletableFuture<Reply> reload() {
        BooleanSupplier reload = pooler.console().actions().reload();
        if (reload == null) {
            return now(Reply.done("RELOAD", "this node has no configuration file to reload: "
                    + "its configuration comes from the control plane, which pushes every change"));
        }
        LOG.infof("RELOAD issued by %s", user);
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        Thread.ofVirtual().name("pgfleet-console-reload").start(() -> {
            boolean ok;
            try {
                ok = reload.getAsBoolean();
            } catch (RuntimeException e) {
                LOG.errorf(e, "RELOAD failed");
                ok = false;
            }
            reply.complete(ok ? Reply.done("RELOAD")
                    : Reply.error("F0000", "RELOAD failed, see logs for additional details")); // PgBouncer's words and SQLSTATE
        });
        return reply;
    }

    private CompletableFuture<Reply> shutdown(String argument) {
        NodeActions.Shutdown mode;
        if (argument.isEmpty()) {
            mode = NodeActions.Shutdown.IMMEDIATE;
        } else if (argument.equalsIgnoreCase("WAIT_FOR_CLIENTS")) {
            mode = NodeActions.Shutdown.WAIT_FOR_CLIENTS;
        } else if (argument.equalsIgnoreCase("WAIT_FOR_SERVERS")) {
            mode = NodeActions.Shutdown.WAIT_FOR_SERVERS;
        } else {
            return null;
        }
        LOG.infof("SHUTDOWN %s issued by %s", mode, user);
        CompletableFuture<Void> notAccepting = pooler.console().actions().shutdown(mode);
        if (notAccepting == null) {
            return now(Reply.error("this node cannot be shut down from the console"));
        }
        // Immediate: no answer, the connection closes with the node (as PgBouncer).
        return mode == NodeActions.Shutdown.IMMEDIATE ? now(Reply.NONE)
                : notAccepting.thenApply(v -> Reply.done("SHUTDOWN"));
    }

    /** PgBouncer's refusals for a database argument; null when the database may be acted on. */
    private String refusal(String database, String verb) {
        if (database.equals(AdminConsole.DATABASE)) {
            return "cannot " + verb + " admin db: " + database;
        }
        if (pooler.config().current().database(database) == null) {
            return "no such database: " + database;
        }
        return null;
    }

    private static Predicate<String> matching(String database) {
        return database.isEmpty() ? d -> true : database::equals;
    }

    private CompletableFuture<Reply> until(BooleanSupplier condition, String tag) {
        return ConditionWait.until(channel, condition).thenApply(v -> Reply.done(tag));
    }

    private static CompletableFuture<Reply> now(Reply reply) {
        return reply == null ? null : CompletableFuture.completedFuture(reply);
    }
}
