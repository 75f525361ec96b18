package io.pgfleet.controlplane.stats;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.pgfleet.proto.v1.Aggregation;
import io.pgfleet.proto.v1.NodeStats;
import io.pgfleet.proto.v1.PoolStats;
import io.pgfleet.proto.v1.ServiceStats;
import io.pgfleet.proto.v1.Stats;

import java.util.ArrayList;
import java.util.List;

/**
 * Which numbers of a stats message are counters, summed gauges, maximum gauges and
 * histograms, read once from the contract's field options ({@code (pgfleet.v1.aggregation)})
 * and the field types. Everything downstream indexes numbers by their position here; no
 * other list of fields exists.
 */
public final class StatsSchema {
    /** The numbers of one message type, by kind, in field order. */
    public static final class Shape {
        final List<FieldDescriptor> counters = new ArrayList<>();
        final List<FieldDescriptor> gauges = new ArrayList<>();
        /** Per gauge: true when the fleet value is the maximum over nodes, false when the sum. */
        final List<Boolean> gaugeIsMax = new ArrayList<>();
        final List<FieldDescriptor> histograms = new ArrayList<>();

        Shape(Descriptor type) {
            for (FieldDescriptor field : type.getFields()) {
                Aggregation aggregation = field.getOptions().getExtension(Stats.aggregation);
                switch (aggregation) {
                    case COUNTER -> counters.add(field);
                    case GAUGE_SUM, GAUGE_MAX -> {
                        gauges.add(field);
                        gaugeIsMax.add(aggregation == Aggregation.GAUGE_MAX);
                    }
                    default -> {
                        if (field.getJavaType() == FieldDescriptor.JavaType.BYTE_STRING) {
                            histograms.add(field);
                        } else if (field.getJavaType() == FieldDescriptor.JavaType.INT ||
                                field.getJavaType() == FieldDescriptor.JavaType.LONG) {
                            throw new IllegalStateException("stats field " + field.getFullName() + " declares no aggregation");
                        }
                        // strings are keys (database, user, application_name)
                    }
                }
            }
        }

        public int counterCount() {
            return counters.size();
        }

        public int gaugeCount() {
            return gauges.size();
        }

        public int histogramCount() {
            return histograms.size();
        }

        public String counterName(int i) {
            return counters.get(i).getName();
        }

        public String gaugeName(int i) {
            return gauges.get(i).getName();
        }

        public boolean gaugeIsMax(int i) {
            return gaugeIsMax.get(i);
        }

        /** The histogram's name without the unit suffix: {@code query_latency_us} → {@code query}. */
        public String histogramName(int i) {
            String name = histograms.get(i).getName();
            return name.substring(0, name.indexOf("_latency"));
        }

        public int counterIndex(String name) {
            for (int i = 0; i < counters.size(); i++) {
                if (counters.get(i).getName().equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        public int gaugeIndex(String name) {
            for (int i = 0; i < gauges.size(); i++) {
                if (gauges.get(i).getName().equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        void readCounters(Message m, long[] into) {
            for (int i = 0; i < counters.size(); i++) {
                into[i] = ((Number) m.getField(counters.get(i))).longValue();
            }
        }

        void readGauges(Message m, long[] into) {
            for (int i = 0; i < gauges.size(); i++) {
                into[i] = ((Number) m.getField(gauges.get(i))).longValue();
            }
        }

        com.google.protobuf.ByteString histogram(Message m, int i) {
            return (com.google.protobuf.ByteString) m.getField(histograms.get(i));
        }
    }

    public static final Shape POOL = new Shape(PoolStats.getDescriptor());
    public static final Shape NODE = new Shape(NodeStats.getDescriptor());
    public static final Shape SERVICE = new Shape(ServiceStats.getDescriptor());

    private StatsSchema() {
    }
}
