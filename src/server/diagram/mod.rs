//! The lifecycle diagrams, drawn on the server from the lifecycle crate's graphs: the current state
//! highlighted, the path taken marked with the time of each step, cancel paths dashed, faults apart, and a
//! text alternative listing the same facts. Pages receive the finished `model::Diagram` (markup and text), so
//! neither the graphs, nor their layouts, nor the drawing are part of the WebAssembly.

pub mod layout;
pub mod svg;

use crate::app::components::time::iso_minutes;
use crate::model::{Diagram, StateStep};
use layout::{compact, wide, Layout};
use lifecycle::graph::{drive_graph, job_graph, Graph};
use lifecycle::history::DriveStep;
use lifecycle::wording::{self, Reader};
use lifecycle::{Drive, DriveState, Job, JobState, Timestamp};
use std::sync::LazyLock;
use svg::{entered_short, svg_markup, EdgeView, NodeFacts, Visit};

/// A lifecycle graph with its two layouts. Both depend on the graph alone, so they are computed once per
/// process, not once per render.
struct Drawing<S: 'static> {
    graph: Graph<S>,
    /// The wide layout (desktops) and the compact one (phones), with the names the stylesheet knows them by.
    layouts: [(&'static str, Layout); 2],
}

impl<S: Copy + PartialEq> Drawing<S> {
    fn new(graph: Graph<S>) -> Drawing<S> {
        let layouts = [("wide", wide(&graph)), ("compact", compact(&graph))];
        Drawing { graph, layouts }
    }
}

static JOB_DRAWING: LazyLock<Drawing<JobState>> = LazyLock::new(|| Drawing::new(job_graph()));
static DRIVE_DRAWING: LazyLock<Drawing<DriveState>> = LazyLock::new(|| Drawing::new(drive_graph()));

/// What the diagram shows of one job: its current states, the states it entered (with when) and the
/// transitions it took.
struct Marked<'a, S> {
    current: &'a [S],
    visited: &'a [(S, Timestamp)],
    taken: &'a [(S, S)],
}

/// The tooltip's text, in the reader's words: what the state means, the drives in it, when the job reached it.
fn tooltip(
    meaning: &str,
    marks: &[String],
    visit: Visit,
    entered: Option<Timestamp>,
    reader: Reader,
) -> String {
    let mut detail = meaning.to_string();
    if !marks.is_empty() {
        detail.push_str(&format!(" Now: {}.", marks.join(", ")));
    }
    let current = wording::current(reader);
    match (visit, entered) {
        (Visit::Current, Some(t)) => {
            detail.push_str(&format!(" {current}, reached {}.", iso_minutes(t)))
        }
        (Visit::Current, None) => detail.push_str(&format!(" {current}.")),
        (_, Some(t)) => detail.push_str(&format!(" Reached {}.", iso_minutes(t))),
        (_, None) => detail.push_str(" Not reached."),
    }
    detail
}

/// What the diagram says about each state and each line, computed once for both layouts (nodes in the
/// graph's node order, lines in the order of their first edges).
fn facts<S: Copy + PartialEq>(
    graph: &Graph<S>,
    key: impl Fn(S) -> &'static str,
    meaning: impl Fn(S) -> &'static str,
    marked: &Marked<'_, S>,
    marks: impl Fn(S) -> Vec<String>,
    reader: Reader,
) -> (Vec<NodeFacts>, Vec<EdgeView>) {
    let nodes = graph
        .nodes
        .iter()
        .map(|n| {
            let entered = marked
                .visited
                .iter()
                .rev()
                .find(|(s, _)| *s == n.state)
                .map(|(_, t)| *t);
            let visit = if marked.current.contains(&n.state) {
                Visit::Current
            } else if entered.is_some() {
                Visit::Visited
            } else {
                Visit::Untouched
            };
            let marks = marks(n.state);
            let detail = tooltip(meaning(n.state), &marks, visit, entered, reader);
            let small = if marks.is_empty() {
                entered.map(entered_short)
            } else {
                Some(marks.join(", "))
            };
            NodeFacts {
                key: key(n.state),
                label: n.label,
                detail,
                small,
                kind: n.kind,
                visit,
            }
        })
        .collect();
    // One line per pair of states and kind of path, drawn along its first edge's path. An edge is drawn when
    // both its ends are nodes of the graph, in every layout alike.
    let drawn = |s: S| graph.nodes.iter().any(|n| n.state == s);
    let mut groups: Vec<(S, S, EdgeView)> = Vec::new();
    for (index, e) in graph.edges.iter().enumerate() {
        if !drawn(e.from) || !drawn(e.to) {
            continue;
        }
        // A conditional step says when it happens (a late drive, a destruction).
        let by = wording::by(e.trigger, reader);
        let way = match e.condition {
            Some(condition) => format!("{} ({by}; {condition})", e.label),
            None => format!("{} ({by})", e.label),
        };
        let is_taken = marked.taken.contains(&(e.from, e.to));
        let same = groups.iter_mut().find(|(from, to, view)| {
            view.kind == e.kind
                && ((*from, *to) == (e.from, e.to) || (*from, *to) == (e.to, e.from))
        });
        if let Some((from, _, view)) = same {
            if !view.label.split("; ").any(|w| w == way) {
                view.label = format!("{}; {way}", view.label);
            }
            view.conditional &= e.condition.is_some();
            if *from == e.from {
                view.taken |= is_taken;
            } else {
                view.both_ways = true;
                view.taken_back |= is_taken;
            }
            continue;
        }
        groups.push((
            e.from,
            e.to,
            EdgeView {
                first: index,
                label: way,
                kind: e.kind,
                taken: is_taken,
                both_ways: false,
                taken_back: false,
                conditional: e.condition.is_some(),
            },
        ));
    }
    let edges = groups.into_iter().map(|(_, _, view)| view).collect();
    (nodes, edges)
}

/// How the drawing names a state: its key (the stylesheet's and the tests') and what it means to the reader
/// (the tooltip).
type StateNames<S> = (fn(S) -> &'static str, fn(S, Reader) -> &'static str);

/// One diagram in both layouts. `id` is the wide SVG's test id; the compact one's is `{id}-compact`.
fn draw<S: Copy + PartialEq + 'static>(
    id: &'static str,
    title: String,
    steps: Vec<String>,
    drawing: &'static Drawing<S>,
    (key, meaning): StateNames<S>,
    marked: &Marked<'_, S>,
    marks: impl Fn(S) -> Vec<String>,
    reader: Reader,
) -> Diagram {
    let meaning = move |s: S| meaning(s, reader);
    let (nodes, edges) = facts(&drawing.graph, key, meaning, marked, marks, reader);
    let layouts = drawing
        .layouts
        .iter()
        .map(|(variant, layout)| {
            let svg_id = if *variant == "wide" {
                id.to_string()
            } else {
                format!("{id}-{variant}")
            };
            let markup = svg_markup(&svg_id, variant, &title, layout, &nodes, &edges);
            (variant.to_string(), markup)
        })
        .collect();
    let current = marked.current.first().map(|s| key(*s).to_ascii_lowercase());
    Diagram {
        layouts,
        title,
        steps,
        current,
    }
}

/// The job lifecycle with the job's current state and the path it took (`history`, oldest first), worded for
/// `reader`.
pub fn job_diagram(job: &Job, history: &[StateStep], reader: Reader) -> Diagram {
    let visited: Vec<(JobState, Timestamp)> = history.iter().map(|s| (s.to, s.at)).collect();
    let taken: Vec<(JobState, JobState)> = history
        .iter()
        .filter_map(|s| s.from.map(|f| (f, s.to)))
        .collect();
    let mut title = format!("Job lifecycle. Current state: {}", job.state);
    if let Some(from) = job.faulted_from {
        title.push_str(&format!(" (faulted while {from})"));
    }
    if job.cancel_requested {
        title.push_str(" (cancelled: the data copy is skipped)");
    }
    let steps = history
        .iter()
        .map(|s| format!("{} at {}", s.to, iso_minutes(s.at)))
        .collect();
    draw(
        "job-diagram",
        title,
        steps,
        &JOB_DRAWING,
        (JobState::as_str, wording::job_meaning),
        &Marked {
            current: &[job.state],
            visited: &visited,
            taken: &taken,
        },
        |_| Vec::new(),
        reader,
    )
}

/// The drive lifecycle: the `chosen` drive (one of the job's) highlighted with its own path and times, or,
/// without one, every drive marked on its state; worded for `reader`.
pub fn drive_diagram(
    job: &Job,
    chosen: Option<&Drive>,
    history: &[DriveStep],
    reader: Reader,
) -> Diagram {
    let current: Vec<DriveState> = match chosen {
        Some(d) => vec![d.state],
        None => job.drives.iter().map(|d| d.state).collect(),
    };
    let marks = |state: DriveState| -> Vec<String> {
        if chosen.is_some() {
            return Vec::new();
        }
        let n = job.drives.iter().filter(|d| d.state == state).count();
        if n == 0 {
            Vec::new()
        } else {
            vec![format!("{n} drive{}", if n == 1 { "" } else { "s" })]
        }
    };
    let own: Vec<&DriveStep> = match chosen {
        Some(d) => history
            .iter()
            .filter(|s| s.drive_id == d.drive_id)
            .collect(),
        None => Vec::new(),
    };
    let visited: Vec<(DriveState, Timestamp)> = own.iter().map(|s| (s.to, s.at)).collect();
    let taken: Vec<(DriveState, DriveState)> = own
        .iter()
        .filter_map(|s| s.from.map(|f| (f, s.to)))
        .collect();
    let steps = own
        .iter()
        .map(|s| format!("{} at {}", s.to.label(), iso_minutes(s.at)))
        .collect();
    let title = match chosen {
        Some(d) => format!("Drive lifecycle of {}: {}", d.drive_id, d.state.label()),
        None => {
            let parts: Vec<String> = job
                .drives
                .iter()
                .map(|d| format!("{} is {}", d.drive_id, d.state.label()))
                .collect();
            format!("Drive lifecycle of all drives: {}", parts.join("; "))
        }
    };
    draw(
        "drive-diagram",
        title,
        steps,
        &DRIVE_DRAWING,
        (DriveState::as_str, wording::drive_meaning),
        &Marked {
            current: &current,
            visited: &visited,
            taken: &taken,
        },
        marks,
        reader,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use lifecycle::graph::EdgeKind;

    fn lines<S: Copy + PartialEq>(
        graph: &Graph<S>,
        key: fn(S) -> &'static str,
        meaning: fn(S) -> &'static str,
        taken: &[(S, S)],
    ) -> Vec<EdgeView> {
        let marked = Marked {
            current: &[],
            visited: &[],
            taken,
        };
        facts(graph, key, meaning, &marked, |_| Vec::new(), Reader::Staff).1
    }

    #[test]
    fn a_step_made_in_several_ways_is_one_line_naming_each_way() {
        let g = drive_graph();
        let edges = lines(
            &g,
            DriveState::as_str,
            DriveState::meaning,
            &[(DriveState::Faulted, DriveState::Received)],
        );
        let missing: Vec<&EdgeView> = edges
            .iter()
            .filter(|e| e.label.contains("Missing at intake"))
            .collect();
        assert_eq!(missing.len(), 1);
        assert_eq!(
            missing[0].label,
            "Missing at intake (operator); Shipping overdue (timer)"
        );
        assert!(!missing[0].both_ways);
        // A fault and its resolution: one line, arrowheads at both ends, each marked by the way it was taken.
        let taken: Vec<&EdgeView> = edges.iter().filter(|e| e.taken || e.taken_back).collect();
        assert_eq!(taken.len(), 1);
        let fault = taken[0];
        assert!(
            fault.both_ways && fault.kind == EdgeKind::Fault,
            "{fault:?}"
        );
        assert!(
            fault.taken_back && !fault.taken,
            "only the resolution was taken"
        );
        assert_eq!(fault.label, "Fault (operator); Resolved (operator)");
        let faults = edges.iter().filter(|e| e.kind == EdgeKind::Fault).count();
        assert_eq!(faults, 4, "one line per state that can fault");
    }

    #[test]
    fn the_two_ways_into_packaging_from_received_are_drawn_apart() {
        let g = job_graph();
        let edges = lines(&g, JobState::as_str, JobState::meaning, &[]);
        let cancel = edges
            .iter()
            .find(|e| e.label.starts_with("Cancelled: copy skipped"))
            .unwrap();
        let none_arrived = edges
            .iter()
            .find(|e| e.label.starts_with("No drive arrived"))
            .unwrap();
        let paths = &JOB_DRAWING.layouts[0].1.paths;
        assert_ne!(paths[cancel.first], paths[none_arrived.first]);
        assert_eq!(none_arrived.kind, EdgeKind::Error);
        // Transferring and Packaging share one line, drawn both ways: the late drive's way back says when.
        let line = edges
            .iter()
            .find(|e| {
                e.label
                    .starts_with("All drives finished (automatic); Moved to packaging (operator)")
            })
            .unwrap();
        assert!(line.both_ways);
        assert!(!line.conditional);
        assert!(
            line.label.contains(
                "Late drive arrived (operator; only when a drive never received turns up"
            ),
            "{}",
            line.label
        );
    }
}
