//! Lifecycle diagrams drawn from the lifecycle crate's graphs: the current state highlighted, the path taken
//! marked with the time of each step, cancel paths dashed, faults apart. Each diagram carries a text
//! alternative listing the same facts.

use crate::app::components::time::iso_minutes;
use crate::model::StateStep;
use leptos::prelude::*;
use leptos_router::components::A;
use lifecycle::graph::{drive_graph, job_graph, EdgeKind, Graph, NodeKind, Trigger};
use lifecycle::{DriveState, Job, JobState, Timestamp};

/// How a node relates to the job being shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Visit {
    Current,
    Visited,
    Untouched,
}

#[derive(Clone, Debug)]
struct NodeView {
    key: &'static str,
    label: &'static str,
    meaning: &'static str,
    /// Small labels on the node (the drives in this state).
    marks: Vec<String>,
    x: f32,
    y: f32,
    kind: NodeKind,
    visit: Visit,
    entered: Option<Timestamp>,
}

#[derive(Clone, Debug)]
struct EdgeView {
    path: String,
    /// Every way the step happens, with who makes it ("Missing at intake (operator); …").
    label: String,
    kind: EdgeKind,
    /// Taken in the line's direction.
    taken: bool,
    /// A fault and its resolution share one line with an arrowhead at each end.
    both_ways: bool,
    /// Taken against the line's direction (a resolution drawn on its fault's line).
    taken_back: bool,
}

fn kind_class(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Start => "start",
        NodeKind::Normal => "normal",
        NodeKind::Terminal => "terminal",
        NodeKind::Fault => "fault",
    }
}

fn edge_class(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Normal => "normal",
        EdgeKind::Cancel => "cancel",
        EdgeKind::Error => "error",
        EdgeKind::Fault => "fault",
    }
}

/// Where the segment from the centre of a `w`×`h` box at `c` towards `to` leaves the box.
fn border_point(c: (f32, f32), to: (f32, f32), w: f32, h: f32) -> (f32, f32) {
    let (dx, dy) = (to.0 - c.0, to.1 - c.1);
    if dx == 0.0 && dy == 0.0 {
        return c;
    }
    let sx = if dx != 0.0 {
        (w / 2.0) / dx.abs()
    } else {
        f32::INFINITY
    };
    let sy = if dy != 0.0 {
        (h / 2.0) / dy.abs()
    } else {
        f32::INFINITY
    };
    let s = sx.min(sy);
    (c.0 + dx * s, c.1 + dy * s)
}

/// An edge's SVG path: straight between neighbours; a detour above (or below, for error paths) when it would
/// cross the nodes between its ends. `both_ways` leaves room for an arrowhead at the start too.
fn edge_path<S: Copy + PartialEq>(
    graph: &Graph<S>,
    from: (f32, f32),
    to: (f32, f32),
    kind: EdgeKind,
    both_ways: bool,
) -> String {
    let (w, h) = (graph.node_width, graph.node_height);
    let long = (to.0 - from.0).abs() > w * 1.8
        && (to.1 - from.1).abs() < h * 2.0
        && kind != EdgeKind::Fault;
    if !long {
        let gap = if both_ways { 8.0 } else { 0.0 };
        let a = border_point(from, to, w + gap, h + gap);
        let b = border_point(to, from, w + 8.0, h + 8.0);
        return format!("M{:.1},{:.1} L{:.1},{:.1}", a.0, a.1, b.0, b.1);
    }
    let below = kind == EdgeKind::Error;
    let (y1, y2) = if below {
        (from.1 + h / 2.0, to.1 + h / 2.0 + 4.0)
    } else {
        (from.1 - h / 2.0, to.1 - h / 2.0 - 4.0)
    };
    let lane = if below {
        (from.1.max(to.1) + h * 1.25).min(graph.height - 6.0)
    } else {
        (from.1.min(to.1) - h * 1.25).max(6.0)
    };
    format!(
        "M{:.1},{:.1} C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
        from.0, y1, from.0, lane, to.0, lane, to.0, y2
    )
}

fn build<S: Copy + PartialEq>(
    graph: &Graph<S>,
    key: impl Fn(S) -> &'static str,
    meaning: impl Fn(S) -> &'static str,
    current: &[S],
    visited: &[(S, Timestamp)],
    taken: &[(S, S)],
    marks: impl Fn(S) -> Vec<String>,
) -> (Vec<NodeView>, Vec<EdgeView>) {
    let nodes = graph
        .nodes
        .iter()
        .map(|n| {
            let entered = visited
                .iter()
                .rev()
                .find(|(s, _)| *s == n.state)
                .map(|(_, t)| *t);
            NodeView {
                key: key(n.state),
                label: n.label,
                meaning: meaning(n.state),
                marks: marks(n.state),
                x: n.x,
                y: n.y,
                kind: n.kind,
                visit: if current.contains(&n.state) {
                    Visit::Current
                } else if entered.is_some() {
                    Visit::Visited
                } else {
                    Visit::Untouched
                },
                entered,
            }
        })
        .collect();
    // One line per pair of states and kind of path: the several ways of making a step share it, and so do a
    // fault and the resolution back.
    let mut groups: Vec<(S, S, EdgeView)> = Vec::new();
    for e in &graph.edges {
        let way = format!("{} ({})", e.label, e.trigger.as_str());
        let is_taken = taken.contains(&(e.from, e.to));
        let same = groups.iter_mut().find(|(from, to, view)| {
            view.kind == e.kind
                && ((*from, *to) == (e.from, e.to) || (*from, *to) == (e.to, e.from))
        });
        if let Some((from, _, view)) = same {
            if !view.label.split("; ").any(|w| w == way) {
                view.label = format!("{}; {way}", view.label);
            }
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
                path: String::new(),
                label: way,
                kind: e.kind,
                taken: is_taken,
                both_ways: false,
                taken_back: false,
            },
        ));
    }
    let edges = groups
        .into_iter()
        .filter_map(|(from, to, mut view)| {
            let from = graph.node(from)?;
            let to = graph.node(to)?;
            view.path = edge_path(
                graph,
                (from.x, from.y),
                (to.x, to.y),
                view.kind,
                view.both_ways,
            );
            Some(view)
        })
        .collect();
    (nodes, edges)
}

#[component]
fn Svg(
    id: String,
    title: String,
    width: f32,
    height: f32,
    node_width: f32,
    node_height: f32,
    nodes: Vec<NodeView>,
    edges: Vec<EdgeView>,
) -> impl IntoView {
    let title_id = format!("{id}-title");
    let title_ref = title_id.clone();
    let marker = format!("{id}-arrow");
    let marker_taken = format!("{id}-arrow-taken");
    let marker_ref = format!("url(#{marker})");
    let marker_taken_ref = format!("url(#{marker_taken})");
    view! {
        <svg
            class="diagram"
            viewBox=format!("0 0 {width} {height}")
            role="img"
            aria-labelledby=title_ref
            data-testid=id
        >
            <title id=title_id>{title}</title>
            <defs>
                <marker id=marker viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" class="arrow"></path>
                </marker>
                <marker id=marker_taken viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" class="arrow taken"></path>
                </marker>
            </defs>
            <g class="edges">
                {edges
                    .into_iter()
                    .map(|e| {
                        let class = format!("edge {}{}", edge_class(e.kind), if e.taken || e.taken_back { " taken" } else { "" });
                        let marker = if e.taken { marker_taken_ref.clone() } else { marker_ref.clone() };
                        let start = e.both_ways.then(|| if e.taken_back { marker_taken_ref.clone() } else { marker_ref.clone() });
                        view! {
                            <path class=class d=e.path marker-start=start marker-end=marker>
                                <title>{e.label}</title>
                            </path>
                        }
                    })
                    .collect_view()}
            </g>
            <g class="nodes" role="list">
                {nodes
                    .into_iter()
                    .map(|n| {
                        let visit = match n.visit {
                            Visit::Current => "current",
                            Visit::Visited => "visited",
                            Visit::Untouched => "untouched",
                        };
                        let class = format!("node {} {visit} state-{}", kind_class(n.kind), n.key.to_ascii_lowercase());
                        let time = n.entered.map(|t| t.format("%m-%d %H:%M").to_string());
                        let small = if n.marks.is_empty() { time.clone() } else { Some(n.marks.join(", ")) };
                        let label_y = if small.is_some() { n.y - 3.0 } else { n.y + 5.0 };
                        let tooltip = format!(
                            "{}: {}{}",
                            n.label,
                            n.meaning,
                            n.entered.map(|t| format!(" (entered {})", iso_minutes(t))).unwrap_or_default()
                        );
                        let aria = tooltip.clone();
                        view! {
                            <g class=class data-testid=format!("node-{}", n.key) data-visit=visit tabindex="0" role="listitem" aria-label=aria>
                                <title>{tooltip}</title>
                                <rect
                                    x=n.x - node_width / 2.0
                                    y=n.y - node_height / 2.0
                                    width=node_width
                                    height=node_height
                                    rx="8"
                                ></rect>
                                <text x=n.x y=label_y text-anchor="middle" class="label">{n.label}</text>
                                {small.map(|t| view! { <text x=n.x y=n.y + 13.0 text-anchor="middle" class="when">{t}</text> })}
                            </g>
                        }
                    })
                    .collect_view()}
            </g>
        </svg>
    }
}

/// The job lifecycle with the job's current state and the path it took.
#[component]
pub fn JobDiagram(
    state: JobState,
    faulted_from: Option<JobState>,
    cancelled: bool,
    history: Vec<StateStep>,
) -> impl IntoView {
    let graph = job_graph();
    let visited: Vec<(JobState, Timestamp)> = history.iter().map(|s| (s.to, s.at)).collect();
    let taken: Vec<(JobState, JobState)> = history
        .iter()
        .filter_map(|s| s.from.map(|f| (f, s.to)))
        .collect();
    let (nodes, edges) = build(
        &graph,
        JobState::as_str,
        JobState::meaning,
        &[state],
        &visited,
        &taken,
        |_| Vec::new(),
    );
    let mut title = format!("Job lifecycle. Current state: {state}");
    if let Some(from) = faulted_from {
        title.push_str(&format!(" (faulted while {from})"));
    }
    if cancelled {
        title.push_str(" (cancelled: the data copy is skipped)");
    }
    let steps: Vec<String> = history
        .iter()
        .map(|s| format!("{} at {}", s.to, iso_minutes(s.at)))
        .collect();
    view! {
        <figure class="diagram-figure">
            <Svg
                id="job-diagram".into()
                title=title.clone()
                width=graph.width
                height=graph.height
                node_width=graph.node_width
                node_height=graph.node_height
                nodes
                edges
            />
            <figcaption>
                <details>
                    <summary>"Diagram as text"</summary>
                    <p>{title}</p>
                    <ol class="path-list" data-testid="job-path">
                        {steps.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                    </ol>
                    <Legend/>
                </details>
            </figcaption>
        </figure>
    }
}

#[component]
fn Legend() -> impl IntoView {
    view! {
        <p class="legend">
            "Dark arrows: the path taken. Solid arrows: the normal path. Dashed arrows: only for cancelled jobs (no data copy). Red arrows: error paths. Dotted arrows: any active state can fault, and be resolved back or one step on."
        </p>
    }
}

fn who(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Customer => "you",
        Trigger::Operator => "the data center",
        Trigger::Timer => "automatically after a deadline",
        Trigger::Automatic => "automatically",
    }
}

/// What can happen next from the job's state, and who makes it happen (from the lifecycle graph).
#[component]
pub fn NextSteps(job: Job) -> impl IntoView {
    let graph = job_graph();
    let from = job.state;
    let has_cancel_path = graph
        .edges
        .iter()
        .any(|e| e.from == from && e.kind == EdgeKind::Cancel);
    let steps: Vec<(String, String)> = graph
        .edges
        .iter()
        .filter(|e| e.from == from && e.kind != EdgeKind::Fault)
        .filter(|e| match e.kind {
            EdgeKind::Cancel => job.cancel_requested || from == JobState::Creating,
            EdgeKind::Normal if job.cancel_requested && has_cancel_path => false,
            _ => true,
        })
        .map(|e| {
            (
                format!("{} → {}", e.label, e.to),
                who(e.trigger).to_string(),
            )
        })
        .collect();
    let resolve = (from == JobState::Faulted).then(|| {
        format!(
            "The data center resolves the fault, usually back to {}",
            job.faulted_from
                .map(|s| s.as_str())
                .unwrap_or("the previous state")
        )
    });
    view! {
        <div class="next-steps" data-testid="next-steps">
            <h3>"What happens next"</h3>
            {if steps.is_empty() && resolve.is_none() {
                view! { <p class="hint">"Nothing: this job has reached the end of its life."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {steps.into_iter().map(|(what, by)| view! { <li>{what}<span class="hint">{format!(" — by {by}")}</span></li> }).collect_view()}
                        {resolve.map(|r| view! { <li>{r}</li> })}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}

/// The drive lifecycle: one drive (chosen with `?drive=ID`) highlighted, or every drive marked on its state.
#[component]
pub fn DriveDiagram(
    job: Job,
    job_id: i64,
    selected: Signal<Option<String>>,
    history: Vec<lifecycle::history::DriveStep>,
) -> impl IntoView {
    move || {
        let graph = drive_graph();
        let chosen = selected.get().and_then(|id| {
            job.drives
                .iter()
                .find(|d| d.drive_id.eq_ignore_ascii_case(&id))
                .cloned()
        });
        let current: Vec<DriveState> = match &chosen {
            Some(d) => vec![d.state],
            None => job.drives.iter().map(|d| d.state).collect(),
        };
        let drives = job.drives.clone();
        let all_mode = chosen.is_none();
        let marks = move |state: DriveState| -> Vec<String> {
            if !all_mode {
                return Vec::new();
            }
            let n = drives.iter().filter(|d| d.state == state).count();
            if n == 0 {
                Vec::new()
            } else {
                vec![format!("{n} drive{}", if n == 1 { "" } else { "s" })]
            }
        };
        // One drive: its own path, with times. All drives: where each one is now.
        let own: Vec<&lifecycle::history::DriveStep> = match &chosen {
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
        let steps: Vec<String> = own
            .iter()
            .map(|s| format!("{} at {}", s.to.label(), iso_minutes(s.at)))
            .collect();
        let (nodes, edges) = build(
            &graph,
            DriveState::as_str,
            DriveState::meaning,
            &current,
            &visited,
            &taken,
            marks,
        );
        let title = match &chosen {
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
        let chosen_id = chosen.as_ref().map(|d| d.drive_id.clone());
        view! {
            <nav class="drive-picker" aria-label="Choose a drive">
                <A href=format!("/jobs/{job_id}") attr:class=if chosen_id.is_none() { "chip active" } else { "chip" }>"All drives"</A>
                {job.drives.iter().map(|d| {
                    let active = chosen_id.as_deref() == Some(d.drive_id.as_str());
                    let href = format!("/jobs/{job_id}?drive={}", d.drive_id);
                    let id = d.drive_id.clone();
                    let class = if active { "chip active" } else { "chip" };
                    view! { <A href=href attr:class=class attr:data-testid="pick-drive">{id}</A> }
                }).collect_view()}
            </nav>
            <figure class="diagram-figure">
                <Svg
                    id="drive-diagram".into()
                    title=title.clone()
                    width=graph.width
                    height=graph.height
                    node_width=graph.node_width
                    node_height=graph.node_height
                    nodes
                    edges
                />
                <figcaption>
                    <details>
                        <summary>"Diagram as text"</summary>
                        <p data-testid="drive-diagram-text">{title}</p>
                        {(!steps.is_empty()).then(|| view! {
                            <ol class="path-list">{steps.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}</ol>
                        })}
                        <Legend/>
                    </details>
                </figcaption>
            </figure>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn border_points_sit_on_the_box() {
        let p = border_point((100.0, 100.0), (300.0, 100.0), 120.0, 40.0);
        assert_eq!(p, (160.0, 100.0));
        let p = border_point((100.0, 100.0), (100.0, 300.0), 120.0, 40.0);
        assert_eq!(p, (100.0, 120.0));
    }

    #[test]
    fn long_edges_detour_and_short_ones_do_not() {
        let g = job_graph();
        let creating = g.node(JobState::Creating).unwrap();
        let shipping = g.node(JobState::Shipping).unwrap();
        let completed = g.node(JobState::Completed).unwrap();
        let short = edge_path(
            &g,
            (creating.x, creating.y),
            (shipping.x, shipping.y),
            EdgeKind::Normal,
            false,
        );
        assert!(short.contains('L') && !short.contains('C'), "{short}");
        let long = edge_path(
            &g,
            (creating.x, creating.y),
            (completed.x, completed.y),
            EdgeKind::Cancel,
            false,
        );
        assert!(long.contains('C'), "{long}");
    }

    #[test]
    fn a_step_made_in_several_ways_is_one_line_naming_each_way() {
        let g = drive_graph();
        let (_, edges) = build(
            &g,
            DriveState::as_str,
            DriveState::meaning,
            &[],
            &[],
            &[(DriveState::Faulted, DriveState::Received)],
            |_| Vec::new(),
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
        let lines = edges.iter().filter(|e| e.kind == EdgeKind::Fault).count();
        assert_eq!(lines, 4, "one line per state that can fault");
    }

    #[test]
    fn the_two_ways_into_packaging_from_received_are_drawn_apart() {
        let g = job_graph();
        let (_, edges) = build(
            &g,
            JobState::as_str,
            JobState::meaning,
            &[],
            &[],
            &[],
            |_| Vec::new(),
        );
        let cancel = edges
            .iter()
            .find(|e| e.label.starts_with("Cancelled: copy skipped"))
            .unwrap();
        let none_arrived = edges
            .iter()
            .find(|e| e.label.starts_with("No drive arrived"))
            .unwrap();
        assert_ne!(cancel.path, none_arrived.path);
        assert_eq!(none_arrived.kind, EdgeKind::Error);
        assert!(edges
            .iter()
            .any(|e| e.label == "All drives finished (automatic); Moved to packaging (operator)"));
    }
}
