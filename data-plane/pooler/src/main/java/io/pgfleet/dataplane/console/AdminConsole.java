package io.pgfleet.dataplane.console;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.pgfleet.dataplane.client.ClientView;
import io.pgfleet.dataplane.client.PoolerContext;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.protocol.BackendMessages;
import io.pgfleet.dataplane.protocol.PgProtocolException;
import io.pgfleet.dataplane.protocol.SqlState;
import io.pgfleet.dataplane.tls.TlsConnections;
import org.jboss.logging.Logger;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin console: a client logged in to the virtual database {@code pgbouncer}. It never
 * touches a server. Only the simple query protocol, as in PgBouncer; commands are read by
 * {@link ConsoleCommand}, views made by {@link ConsoleViews}. Runs on the client's loop;
 * a command that needs the clients of other loops (SHOW CLIENTS, SERVERS) answers once
 * they replied, and later messages wait their turn.
 */
public final class AdminConsole extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(AdminConsole.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The virtual database's name. */
    public static final String DATABASE = "pgbouncer";

    /** SQLSTATE of PgBouncer's console errors (admin_error). */
    static final String CONSOLE_ERROR = SqlState.PROTOCOL_VIOLATION;

    /** Extended-protocol and other messages the console refuses (Sync ends the refusal). */
    private static final Set<Byte> EXTENDED = Set.of((byte) 'P', (byte) 'B', (byte) 'D', (byte) 'E', (byte) 'F',
            (byte) 'd', (byte) 'c', (byte) 'f');

    /** PgBouncer's commands that this node does not run (admin only). */
    private static final Set<String> NOT_YET = Set.of("SUSPEND", "SET", "SELECT");
    /** PgBouncer's SHOW views that this node does not have. */
    private static final Set<String> SHOW_NOT_YET = Set.of("FDS", "SOCKETS", "ACTIVE_SOCKETS", "DNS_HOSTS", "DNS_ZONES",
            "PEERS", "PEER_POOLS");

    /** {@code SET name = value} or {@code SET name TO value}. */
    private static final Pattern SET = Pattern.compile("\\s*SET\\s+(\\w+)\\s*(?:=|\\s+TO\\s+)\\s*(.*?)\\s*;?\\s*",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    /**
     * Session parameters a SET of which is answered "SET ignored": PgBouncer's list, and
     * extra_float_digits and application_name, which pgjdbc sets after login.
     */
    private static final Set<String> IGNORED_SETTINGS = Set.of("client_encoding", "default_transaction_isolation",
            "standard_conforming_strings", "datestyle", "timezone", "extra_float_digits", "application_name");

    /** Who may do what: admin_users everything, stats_users SHOW only. */
    public enum Role { ADMIN, STATS }

    private final PoolerContext pooler;
    private final Channel channel;
    private final String user;
    private final Role role;
    private final ConsoleCommands commands;
    private final long connectedAtMillis = System.currentTimeMillis();
    /** Read by other threads for SHOW CLIENTS. */
    private volatile long lastRequestAtMillis = connectedAtMillis;
    private int processId;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private boolean busy;
    /** An extended-protocol message was refused: skip until Sync, as a server does after an error. */
    private boolean refusing;

    public AdminConsole(PoolerContext pooler, Channel channel, String user, Role role) {
        this.pooler = pooler;
        this.channel = channel;
        this.user = user;
        this.role = role;
        this.commands = new ConsoleCommands(pooler, channel, user);
    }

    /** The console role of a user, or null when the user is in neither admin_users nor stats_users. */
    public static Role roleOf(PoolerConfig config, String user) {
        if (config.adminUsers().contains(user)) {
            return Role.ADMIN;
        }
        return config.statsUsers().contains(user) ? Role.STATS : null;
    }

    /** After authentication: the parameters PgBouncer's console reports, a cancel key, ReadyForQuery. */
    public void begin() {
        var alloc = channel.alloc();
        channel.write(BackendMessages.authenticationOk(alloc));
        channel.write(BackendMessages.parameterStatus(alloc, "server_version", "1.25.1/bouncer"));
        channel.write(BackendMessages.parameterStatus(alloc, "client_encoding", "UTF8"));
        channel.write(BackendMessages.parameterStatus(alloc, "server_encoding", "UTF8"));
        channel.write(BackendMessages.parameterStatus(alloc, "DateStyle", "ISO"));
        channel.write(BackendMessages.parameterStatus(alloc, "TimeZone", "GMT"));
        channel.write(BackendMessages.parameterStatus(alloc, "standard_conforming_strings", "on"));
        channel.write(BackendMessages.parameterStatus(alloc, "is_superuser", "on")); // as PgBouncer, for stats users too
        processId = RANDOM.nextInt() & Integer.MAX_VALUE;
        channel.write(BackendMessages.backendKeyData(alloc, processId, RANDOM.nextInt()));
        pooler.console().sessions().add(this);
        channel.writeAndFlush(BackendMessages.readyForQuery(alloc, (byte) 'I'));
        LOG.debugf("client %s logged in to the admin console as %s (%s)", channel.remoteAddress(), user, role);
    }

    /** The connection as SHOW CLIENTS shows it, under database pgbouncer as in PgBouncer. Any thread. */
    ClientView view() {
        return new ClientView(this, user, DATABASE, "active", (InetSocketAddress) channel.remoteAddress(),
                (InetSocketAddress) channel.localAddress(), connectedAtMillis, lastRequestAtMillis, 0, null, processId,
                TlsConnections.isEncrypted(channel), "", 0);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastRequestAtMillis = System.currentTimeMillis();
        pending.add((ByteBuf) msg);
        drain();
    }

    private void drain() {
        while (!busy && !pending.isEmpty() && channel.isActive()) {
            ByteBuf frame = pending.poll();
            try {
                handle(frame);
            } finally {
                frame.release();
            }
        }
        if (!channel.isActive()) {
            pending.forEach(ByteBuf::release);
            pending.clear();
        }
    }

    private void handle(ByteBuf frame) {
        byte type = frame.getByte(frame.readerIndex());
        if (type == 'X') {
            channel.close();
            return;
        }
        if (type == 'S') {
            refusing = false;
            channel.writeAndFlush(BackendMessages.readyForQuery(channel.alloc(), (byte) 'I'));
            return;
        }
        if (refusing) {
            return; // after a refused extended-protocol message everything up to Sync is skipped, as a server does
        }
        if (type == 'C') {
            // Close of a statement or portal the console never made: nothing to do, as PostgreSQL answers it
            channel.write(BackendMessages.empty(channel.alloc(), BackendMessages.CLOSE_COMPLETE));
            return;
        }
        if (type == 'H') {
            channel.flush();
            return;
        }
        if (EXTENDED.contains(type)) {
            refusing = type != 'F'; // a function call is answered at once, like a query
            channel.write(error("extended query protocol not supported by admin console")); // PgBouncer's words
            if (!refusing) {
                ready();
            } else {
                channel.flush();
            }
            return;
        }
        if (type != 'Q') {
            throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "unexpected message type '" + (char) type + "'");
        }
        String sql = frame.toString(frame.readerIndex() + 5, frame.readableBytes() - 6, StandardCharsets.UTF_8);
        query(sql);
    }

    private void query(String sql) {
        if (ConsoleCommand.isEmpty(sql)) {
            channel.write(ResultWriter.emptyQueryResponse(channel.alloc()));
            ready();
            return;
        }
        Matcher set = SET.matcher(sql);
        if (set.matches() && IGNORED_SETTINGS.contains(set.group(1).toLowerCase(Locale.ROOT))) {
            // As PgBouncer: drivers set session parameters at login; the console ignores them.
            channel.write(ResultWriter.notice(channel.alloc(), "SET ignored", null));
            channel.write(BackendMessages.commandComplete(channel.alloc(), "SET"));
            ready();
            return;
        }
        ConsoleCommand command = ConsoleCommand.parse(sql);
        if (command == null) {
            fail(invalid(sql));
            return;
        }
        if (!command.verb().equals("SHOW")) {
            if (role != Role.ADMIN) {
                fail("admin access needed");
                return;
            }
            CompletableFuture<Reply> reply = commands.run(command);
            if (reply != null) {
                await(reply, this::answer);
            } else if (NOT_YET.contains(command.verb())) {
                fail(command.verb() + " is not supported by this node's admin console");
            } else {
                fail(invalid(sql));
            }
            return;
        }
        if (command.argument().equals("HELP")) {
            channel.write(ResultWriter.notice(channel.alloc(), "Console usage", help()));
            channel.write(BackendMessages.commandComplete(channel.alloc(), "SHOW"));
            ready();
            return;
        }
        Function<ConsoleSnapshot, Table> view = ConsoleViews.VIEWS.get(command.argument());
        if (view == null) {
            fail(SHOW_NOT_YET.contains(command.argument())
                    ? "SHOW " + command.argument() + " is not supported by this node's admin console"
                    : invalid(sql));
            return;
        }
        CompletableFuture<List<ClientView>> clients = command.argument().equals("CLIENTS") || command.argument().equals("SERVERS")
                ? pooler.clients().views() : CompletableFuture.completedFuture(List.of());
        await(clients, list -> send(view.apply(new ConsoleSnapshot(pooler.settings(), pooler.config().current(),
                pooler.pools().views(), list, pooler.console().sessions().views(), pooler.clients().size(),
                pooler.pools().adminState(), pooler.console().statsPeriod().window(), System.nanoTime(),
                System.currentTimeMillis()))));
    }

    /**
     * Answers once {@code future} completes, on this connection's loop; messages that come
     * meanwhile wait their turn (a PAUSE that waits holds back the next query, as in PgBouncer).
     */
    private <T> void await(CompletableFuture<T> future, java.util.function.Consumer<T> answer) {
        busy = true;
        future.whenComplete((value, failure) -> channel.eventLoop().execute(() -> {
            busy = false;
            if (failure instanceof java.util.concurrent.CancellationException
                    || failure != null && failure.getCause() instanceof java.util.concurrent.CancellationException) {
                return; // the client left while the command waited
            }
            if (failure != null) {
                LOG.warnf(failure, "admin console: command failed");
                fail("internal error");
            } else {
                answer.accept(value);
            }
            drain();
        }));
    }

    private void answer(Reply reply) {
        if (reply.silent()) {
            return; // SHUTDOWN: the connection closes with the node
        }
        if (reply.error() != null) {
            channel.write(BackendMessages.errorResponse(channel.alloc(), "ERROR", reply.sqlState(), reply.error()));
        } else {
            if (reply.notice() != null) {
                channel.write(ResultWriter.notice(channel.alloc(), reply.notice(), null));
            }
            channel.write(BackendMessages.commandComplete(channel.alloc(), reply.tag()));
        }
        ready();
    }

    private void send(Table table) {
        var alloc = channel.alloc();
        channel.write(ResultWriter.rowDescription(alloc, table.columns()));
        table.rows().forEach(row -> channel.write(ResultWriter.dataRow(alloc, row)));
        channel.write(BackendMessages.commandComplete(alloc, "SHOW"));
        ready();
    }

    private static String invalid(String sql) {
        return "invalid command '" + sql + "', use SHOW HELP;";
    }

    private static String help() {
        return "\n\tSHOW HELP|CONFIG|DATABASES|POOLS|CLIENTS|SERVERS|USERS|VERSION\n\tSHOW LISTS|MEM|STATE"
                + "\n\tSHOW STATS|STATS_TOTALS|STATS_AVERAGES|TOTALS\n\tRELOAD\n\tPAUSE [<db>]\n\tRESUME [<db>]"
                + "\n\tDISABLE <db>\n\tENABLE <db>\n\tRECONNECT [<db>]\n\tKILL [<db>]\n\tKILL_CLIENT <client_id>"
                + "\n\tSHUTDOWN\n\tSHUTDOWN WAIT_FOR_SERVERS|WAIT_FOR_CLIENTS\n\tWAIT_CLOSE [<db>]";
    }

    private void fail(String message) {
        channel.write(error(message));
        ready();
    }

    private ByteBuf error(String message) {
        return BackendMessages.errorResponse(channel.alloc(), "ERROR", CONSOLE_ERROR, message);
    }

    private void ready() {
        channel.writeAndFlush(BackendMessages.readyForQuery(channel.alloc(), (byte) 'I'));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pooler.console().sessions().remove(this);
        pending.forEach(ByteBuf::release);
        pending.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof PgProtocolException pe && channel.isActive()) {
            channel.writeAndFlush(BackendMessages.errorResponse(channel.alloc(), "FATAL", pe.sqlState(), pe.getMessage()))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        } else {
            LOG.debugf("admin console client %s: %s", channel.remoteAddress(), root.toString());
            channel.close();
        }
    }
}
