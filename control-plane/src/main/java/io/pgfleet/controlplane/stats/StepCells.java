package io.pgfleet.controlplane.stats;

import java.util.function.BiConsumer;

/** The cells of a sealed step, by dimension. */
final class StepCells {
    private StepCells() {
    }

    static void forEach(Step step, Dimension d, BiConsumer<SeriesKey, Cell> action) {
        switch (d) {
            case FLEET -> {
                if (step.total != null) {
                    action.accept(SeriesKey.FLEET, step.total);
                }
            }
            case NODE -> step.nodes.forEach((node, cell) -> action.accept(new SeriesKey(node, "", "", ""), cell));
            case POOL -> step.pools.forEach((p, cell) -> action.accept(new SeriesKey("", p.database(), p.user(), ""), cell));
            case SERVICE -> step.services.forEach((s, cell) ->
                    action.accept(new SeriesKey("", s.database(), s.user(), s.applicationName()), cell));
        }
    }
}
