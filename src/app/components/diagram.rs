//! Lifecycle diagrams drawn from the lifecycle crate's graphs: the current state highlighted, the path taken
//! marked with the time of each step, cancel paths dashed, faults apart. Each diagram carries a text
//! alternative listing the same facts.

use crate::app::components::diagram_layout::{compact, label_lines, wide, Layout};
use crate::app::components::time::iso_minutes;
use crate::model::StateStep;
use leptos::prelude::*;
use leptos_router::components::A;
use lifecycle::graph::{drive_graph, job_graph, EdgeKind, Graph, NodeKind, Trigger};
use lifecycle::{DriveState, Job, JobState, Settings, Timestamp};

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

/// One line of the diagram: every edge between two states of one kind of path (the several ways of making a
/// step, and a fault with the resolution back).
#[derive(Clone, Debug)]
struct EdgeView {
    path: String,
    /// Each way, with who makes it: "Missing at intake (operator); Shipping overdue (timer)".
    label: String,
    kind: EdgeKind,
    /// Taken in the line's own direction.
    taken: bool,
    /// The line also runs backwards (an arrowhead at its start too), and whether that way was taken.
    both_ways: bool,
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

/// What the diagram shows of one job: its current states, the states it entered (with when) and the
/// transitions it took.
struct Marked<'a, S> {
    current: &'a [S],
    visited: &'a [(S, Timestamp)],
    taken: &'a [(S, S)],
}

fn build<S: Copy + PartialEq>(
    graph: &Graph<S>,
    layout: &Layout,
    key: impl Fn(S) -> &'static str,
    meaning: impl Fn(S) -> &'static str,
    marked: &Marked<'_, S>,
    marks: impl Fn(S) -> Vec<String>,
) -> (Vec<NodeView>, Vec<EdgeView>) {
    let nodes = graph
        .nodes
        .iter()
        .zip(&layout.centres)
        .map(|(n, &(x, y))| {
            let entered = marked
                .visited
                .iter()
                .rev()
                .find(|(s, _)| *s == n.state)
                .map(|(_, t)| *t);
            NodeView {
                key: key(n.state),
                label: n.label,
                meaning: meaning(n.state),
                marks: marks(n.state),
                x,
                y,
                kind: n.kind,
                visit: if marked.current.contains(&n.state) {
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
    // One line per pair of states and kind of path, drawn along its first edge's path.
    let mut groups: Vec<(S, S, EdgeView)> = Vec::new();
    for (e, path) in graph.edges.iter().zip(&layout.paths) {
        let Some(path) = path else { continue };
        let way = format!("{} ({})", e.label, e.trigger.as_str());
        let is_taken = marked.taken.contains(&(e.from, e.to));
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
                path: path.clone(),
                label: way,
                kind: e.kind,
                taken: is_taken,
                both_ways: false,
                taken_back: false,
            },
        ));
    }
    let edges = groups.into_iter().map(|(_, _, view)| view).collect();
    (nodes, edges)
}

/// One diagram in both layouts: the wide one on desktops, the compact one on phones (CSS shows one). Test ids:
/// `{id}` on the wide SVG, `{id}-compact` on the compact one.
#[component]
fn Diagram<S: Copy + PartialEq + 'static>(
    id: &'static str,
    title: String,
    graph: Graph<S>,
    key: fn(S) -> &'static str,
    meaning: fn(S) -> &'static str,
    current: Vec<S>,
    visited: Vec<(S, Timestamp)>,
    taken: Vec<(S, S)>,
    marks: std::sync::Arc<dyn Fn(S) -> Vec<String> + Send + Sync>,
) -> impl IntoView {
    let marked = Marked {
        current: &current,
        visited: &visited,
        taken: &taken,
    };
    [
        ("wide", id.to_string(), wide(&graph)),
        ("compact", format!("{id}-compact"), compact(&graph)),
    ]
    .into_iter()
    .map(|(variant, id, layout)| {
        let marks = marks.clone();
        let (nodes, edges) = build(&graph, &layout, key, meaning, &marked, move |s| marks(s));
        view! { <Svg id variant title=title.clone() layout nodes edges/> }
    })
    .collect_view()
}

/// The tooltip's text: the state, what it means, when the job reached it.
fn tooltip(n: &NodeView) -> (String, String) {
    let mut detail = n.meaning.to_string();
    if !n.marks.is_empty() {
        detail.push_str(&format!(" Now: {}.", n.marks.join(", ")));
    }
    match (n.visit, n.entered) {
        (Visit::Current, Some(t)) => {
            detail.push_str(&format!(" Current state, reached {}.", iso_minutes(t)))
        }
        (Visit::Current, None) => detail.push_str(" Current state."),
        (_, Some(t)) => detail.push_str(&format!(" Reached {}.", iso_minutes(t))),
        (_, None) => detail.push_str(" Not reached."),
    }
    (n.label.to_string(), detail)
}

#[component]
fn Svg(
    id: String,
    variant: &'static str,
    title: String,
    layout: Layout,
    nodes: Vec<NodeView>,
    edges: Vec<EdgeView>,
) -> impl IntoView {
    let (width, height) = (layout.width, layout.height);
    let (node_width, node_height) = (layout.node_width, layout.node_height);
    let title_id = format!("{id}-title");
    let title_ref = title_id.clone();
    let marker = format!("{id}-arrow");
    let marker_taken = format!("{id}-arrow-taken");
    let marker_ref = format!("url(#{marker})");
    let marker_taken_ref = format!("url(#{marker_taken})");
    // Focusable states over the drawing, each with a tooltip that shows on focus and on hover (HTML, so it
    // wraps and works without JavaScript; the SVG's own <title> tooltips show on hover only).
    let spots = nodes
        .iter()
        .map(|n| {
            let pct = |v: f32, of: f32| format!("{:.3}%", v / of * 100.0);
            let style = format!(
                "left:{};top:{};width:{};height:{}",
                pct(n.x - node_width / 2.0, width),
                pct(n.y - node_height / 2.0, height),
                pct(node_width, width),
                pct(node_height, height)
            );
            let across = n.x / width;
            let mut class = String::from("spot");
            class.push_str(if across < 0.3 {
                " tip-start"
            } else if across > 0.7 {
                " tip-end"
            } else {
                " tip-center"
            });
            if n.y / height > 0.6 {
                class.push_str(" tip-above");
            }
            let (name, detail) = tooltip(n);
            let visit = match n.visit {
                Visit::Current => ", current state",
                Visit::Visited => ", reached",
                Visit::Untouched => "",
            };
            view! {
                <li class=class style=style tabindex="0" data-testid=format!("state-{}", n.key)>
                    <span class="visually-hidden">{format!("{name}{visit}")}</span>
                    <span class="tip" role="tooltip" data-testid=format!("tip-{}", n.key)>
                        <strong>{name}</strong>" "{detail}
                    </span>
                </li>
            }
        })
        .collect_view();
    let wrap = layout.wrap_labels;
    view! {
        <div class=format!("diagram-box {variant}")>
            <svg
                class=format!("diagram {variant}")
                viewBox=format!("0 0 {width} {height}")
                role="img"
                aria-labelledby=title_ref
                data-testid=id.clone()
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
                <g class="nodes">
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
                            let lines = label_lines(n.label, wrap);
                            // The label's lines (14 apart) and the small line (13 below them), centred as one block.
                            let label_span = (lines.len() as f32 - 1.0) * 14.0;
                            let block = label_span + if small.is_some() { 13.0 } else { 0.0 };
                            let first = n.y + 4.5 - block / 2.0;
                            view! {
                                <g class=class data-testid=format!("node-{}", n.key) data-visit=visit>
                                    <rect
                                        x=n.x - node_width / 2.0
                                        y=n.y - node_height / 2.0
                                        width=node_width
                                        height=node_height
                                        rx="8"
                                    ></rect>
                                    {lines.into_iter().enumerate().map(|(i, line)| view! {
                                        <text x=n.x y=first + i as f32 * 14.0 text-anchor="middle" class="label">{line}</text>
                                    }).collect_view()}
                                    {small.map(|t| view! { <text x=n.x y=first + label_span + 13.0 text-anchor="middle" class="when">{t}</text> })}
                                </g>
                            }
                        })
                        .collect_view()}
                </g>
            </svg>
            <ul class="diagram-states" aria-label="States (focus one for its details)">{spots}</ul>
        </div>
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
            <Diagram
                id="job-diagram"
                title=title.clone()
                graph
                key=JobState::as_str
                meaning=JobState::meaning
                current=vec![state]
                visited
                taken
                marks=std::sync::Arc::new(|_| Vec::new())
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
            "Dark arrows: the path taken. Solid arrows: the normal path. Dashed arrows: only for cancelled jobs (no data copy). Red arrows: error paths. Dotted arrows: any active state can fault."
        </p>
    }
}

/// Who makes a step happen, in the customer's words.
fn who(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Customer => "by you",
        Trigger::Operator => "by the data center",
        Trigger::Timer => "automatically, after a deadline",
        Trigger::Automatic => "automatically",
    }
}

/// What can happen next from the job's state, who makes it happen and, for the customer's own steps, why not
/// yet (`lifecycle::next_steps` decides which transitions count).
#[component]
pub fn NextSteps(job: Job, settings: Settings) -> impl IntoView {
    let steps = lifecycle::next_steps(&job, &settings);
    view! {
        <div class="next-steps" data-testid="next-steps">
            <h3>"What happens next"</h3>
            {if steps.is_empty() {
                view! { <p class="hint">"Nothing: this job has reached the end of its life."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {steps.into_iter().map(|s| {
                            let by = format!(" — {}", who(s.trigger));
                            // The customer's own steps say why they are not possible yet; the others' conditions
                            // are the data center's business.
                            let why = (s.trigger == Trigger::Customer).then_some(s.reason).flatten();
                            view! {
                                <li data-testid="next-step" data-to=s.to.as_str() data-trigger=s.trigger.as_str()>
                                    {format!("{} → {}", s.label, s.to)}
                                    <span class="hint" data-testid="next-step-by">{by}</span>
                                    {why.map(|r| view! { <span class="hint">{format!(" (not yet: {r})")}</span> })}
                                </li>
                            }
                        }).collect_view()}
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
                <Diagram
                    id="drive-diagram"
                    title=title.clone()
                    graph
                    key=DriveState::as_str
                    meaning=DriveState::meaning
                    current
                    visited
                    taken
                    marks=std::sync::Arc::new(marks)
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
        build(graph, &wide(graph), key, meaning, &marked, |_| Vec::new()).1
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
        assert_ne!(cancel.path, none_arrived.path);
        assert_eq!(none_arrived.kind, EdgeKind::Error);
        assert!(edges
            .iter()
            .any(|e| e.label == "All drives finished (automatic); Moved to packaging (operator)"));
    }
}
