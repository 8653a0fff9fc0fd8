//! The job and drive lifecycles as data: states with positions, transitions with labels and who triggers them.
//! The front end draws these without knowing any rule; the rules use the same edges to decide where a faulted
//! job or drive may be resolved to. A transition that happens in more than one way (by an operator or by a
//! timer, say) has one edge per way, each with its own label and trigger; the lifecycle crate's property tests
//! check that every state change `decide` can produce is an edge here with the trigger that caused it.

use crate::state::{DriveState, JobState};
use serde::Serialize;

/// Who makes a transition happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Trigger {
    Customer,
    Operator,
    Timer,
    /// Happens by itself as a consequence of another step (e.g. the last drive finishing).
    Automatic,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Customer => "customer",
            Trigger::Operator => "operator",
            Trigger::Timer => "timer",
            Trigger::Automatic => "automatic",
        }
    }
}

/// How a transition is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum EdgeKind {
    /// The happy path.
    Normal,
    /// Only taken by cancelled jobs (the copy is skipped).
    Cancel,
    /// An error path (missing drives, abandoned shipment, errors in the copy).
    Error,
    /// Into `Faulted` (a fault), or out of it (a resolution).
    Fault,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum NodeKind {
    Start,
    Normal,
    Terminal,
    Fault,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Node<S> {
    pub state: S,
    pub label: &'static str,
    pub kind: NodeKind,
    /// Centre of the node in the graph's coordinate space.
    pub x: f32,
    pub y: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Edge<S> {
    pub from: S,
    pub to: S,
    pub label: &'static str,
    pub trigger: Trigger,
    pub kind: EdgeKind,
    /// A step taken only in a particular situation (a late drive, a destruction), said for tooltips and the
    /// text alternative. A resolution out of `Faulted` never stands in for a conditional step.
    pub condition: Option<&'static str>,
}

impl<S> Edge<S> {
    /// The same edge, taken only when `condition` holds.
    fn when(mut self, condition: &'static str) -> Edge<S> {
        self.condition = Some(condition);
        self
    }
}

/// A lifecycle: nodes in a `width` × `height` space, each `node_width` × `node_height`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Graph<S> {
    pub nodes: Vec<Node<S>>,
    pub edges: Vec<Edge<S>>,
    pub width: f32,
    pub height: f32,
    pub node_width: f32,
    pub node_height: f32,
}

impl<S: Copy + PartialEq> Graph<S> {
    pub fn node(&self, state: S) -> Option<&Node<S>> {
        self.nodes.iter().find(|n| n.state == state)
    }

    /// States reachable from `state` in one step.
    pub fn successors(&self, state: S) -> Vec<S> {
        let mut out: Vec<S> = Vec::new();
        for edge in self.edges.iter().filter(|e| e.from == state) {
            if !out.contains(&edge.to) {
                out.push(edge.to);
            }
        }
        out
    }

    /// The first edge from `from` to `to` (see `edges_between` for every way of making that step).
    pub fn edge(&self, from: S, to: S) -> Option<&Edge<S>> {
        self.edges.iter().find(|e| e.from == from && e.to == to)
    }

    /// Every edge from `from` to `to`: one per way the step happens.
    pub fn edges_between(&self, from: S, to: S) -> impl Iterator<Item = &Edge<S>> {
        self.edges
            .iter()
            .filter(move |e| e.from == from && e.to == to)
    }

    /// Who can make the step from `from` to `to` happen (empty when it is not an edge).
    pub fn triggers(&self, from: S, to: S) -> Vec<Trigger> {
        let mut out: Vec<Trigger> = Vec::new();
        for edge in self.edges_between(from, to) {
            if !out.contains(&edge.trigger) {
                out.push(edge.trigger);
            }
        }
        out
    }
}

const COL: f32 = 150.0;
const X0: f32 = 80.0;

/// The job lifecycle (reference §1, §4, §5).
pub fn job_graph() -> Graph<JobState> {
    use JobState::*;
    let node = |state: JobState, kind: NodeKind, col: f32, y: f32| Node {
        state,
        label: state.as_str(),
        kind,
        x: X0 + col * COL,
        y,
    };
    let nodes = vec![
        node(Creating, NodeKind::Start, 0.0, 90.0),
        node(Shipping, NodeKind::Normal, 1.0, 90.0),
        node(Received, NodeKind::Normal, 2.0, 90.0),
        node(Transferring, NodeKind::Normal, 3.0, 90.0),
        node(Packaging, NodeKind::Normal, 4.0, 90.0),
        node(Completed, NodeKind::Terminal, 5.0, 40.0),
        node(Closed, NodeKind::Terminal, 5.0, 150.0),
        node(Faulted, NodeKind::Fault, 2.5, 230.0),
    ];
    let edge = |from, to, label, trigger, kind| Edge {
        from,
        to,
        label,
        trigger,
        kind,
        condition: None,
    };
    let mut edges = vec![
        edge(
            Creating,
            Shipping,
            "Mark as shipped",
            Trigger::Customer,
            EdgeKind::Normal,
        ),
        edge(
            Shipping,
            Received,
            "Package intake",
            Trigger::Operator,
            EdgeKind::Normal,
        ),
        edge(
            Received,
            Transferring,
            "First drive starts copying",
            Trigger::Operator,
            EdgeKind::Normal,
        ),
        edge(
            Transferring,
            Packaging,
            "All drives finished",
            Trigger::Automatic,
            EdgeKind::Normal,
        ),
        // Package job: a cancelled job whose remaining drives are not copied, or nothing left to copy.
        edge(
            Transferring,
            Packaging,
            "Moved to packaging",
            Trigger::Operator,
            EdgeKind::Normal,
        ),
        edge(
            Packaging,
            Completed,
            "Shipped back",
            Trigger::Operator,
            EdgeKind::Normal,
        ),
        edge(
            Packaging,
            Closed,
            "Shipped back after errors",
            Trigger::Operator,
            EdgeKind::Error,
        ),
        edge(
            Creating,
            Completed,
            "Cancelled before shipping",
            Trigger::Customer,
            EdgeKind::Cancel,
        ),
        edge(
            Creating,
            Completed,
            "Cancelled by operations",
            Trigger::Operator,
            EdgeKind::Cancel,
        ),
        edge(
            Received,
            Packaging,
            "Cancelled: copy skipped",
            Trigger::Operator,
            EdgeKind::Cancel,
        ),
        // An uncancelled job takes the same step when none of its drives arrived.
        edge(
            Received,
            Packaging,
            "No drive arrived",
            Trigger::Operator,
            EdgeKind::Error,
        ),
        edge(
            Shipping,
            Closed,
            "Shipment abandoned",
            Trigger::Timer,
            EdgeKind::Error,
        ),
        edge(
            Shipping,
            Completed,
            "Cancelled; package never arrived",
            Trigger::Timer,
            EdgeKind::Cancel,
        )
        .when(
            "only for a cancelled job whose package is still overdue at the abandonment deadline",
        ),
        edge(
            Packaging,
            Transferring,
            "Late drive arrived",
            Trigger::Operator,
            EdgeKind::Normal,
        )
        .when(
            "only when a drive never received turns up and the job is not cancelled: it is copied",
        ),
        edge(
            Transferring,
            Closed,
            "Drives destroyed",
            Trigger::Timer,
            EdgeKind::Error,
        )
        .when("only when the return address was reported wrong and never corrected in time"),
        edge(
            Packaging,
            Closed,
            "Drives destroyed",
            Trigger::Timer,
            EdgeKind::Error,
        )
        .when("only when the return address was reported wrong and never corrected in time"),
    ];
    let active = [Creating, Shipping, Received, Transferring, Packaging];
    for from in active {
        edges.push(edge(
            from,
            Faulted,
            "Fault",
            Trigger::Operator,
            EdgeKind::Fault,
        ));
    }
    // Leaving Faulted: back to the state it faulted from, or one step on from there (reference §8); of the
    // terminal states only Closed, as an abandoned shipment.
    for to in active.into_iter().chain([Closed]) {
        edges.push(edge(
            Faulted,
            to,
            "Resolved",
            Trigger::Operator,
            EdgeKind::Fault,
        ));
    }
    Graph {
        nodes,
        edges,
        width: X0 * 2.0 + COL * 5.0,
        height: 280.0,
        node_width: 118.0,
        node_height: 40.0,
    }
}

/// The drive lifecycle (reference §2).
pub fn drive_graph() -> Graph<DriveState> {
    use DriveState::*;
    let node = |state: DriveState, kind: NodeKind, col: f32, y: f32| Node {
        state,
        label: state.label(),
        kind,
        x: X0 + col * COL,
        y,
    };
    let nodes = vec![
        node(Specified, NodeKind::Start, 0.0, 110.0),
        node(Received, NodeKind::Normal, 1.0, 110.0),
        node(NeverReceived, NodeKind::Normal, 0.5, 210.0),
        node(Transferring, NodeKind::Normal, 2.0, 110.0),
        node(Completed, NodeKind::Normal, 3.0, 110.0),
        node(CompletedMoreInfo, NodeKind::Normal, 3.0, 190.0),
        node(ShippedBack, NodeKind::Terminal, 4.0, 110.0),
        // Low enough that the two-way fault line from CompletedMoreInfo has room for both arrowheads.
        node(Faulted, NodeKind::Fault, 2.0, 260.0),
    ];
    let edge = |from, to, label, trigger, kind| Edge {
        from,
        to,
        label,
        trigger,
        kind,
        condition: None,
    };
    let mut edges = vec![
        edge(
            Specified,
            Received,
            "Found at intake",
            Trigger::Operator,
            EdgeKind::Normal,
        ),
        edge(
            Specified,
            NeverReceived,
            "Missing at intake",
            Trigger::Operator,
            EdgeKind::Error,
        ),
        edge(
            Specified,
            NeverReceived,
            "Shipping overdue",
            Trigger::Timer,
            EdgeKind::Error,
        ),
        edge(
            NeverReceived,
            Received,
            "Arrived later",
            Trigger::Operator,
            EdgeKind::Normal,
        )
        .when("only when the drive turns up while the job's drives are still at the data center"),
        edge(
            Received,
            Transferring,
            "Copy started",
            Trigger::Operator,
            EdgeKind::Normal,
        ),
        edge(
            Transferring,
            Completed,
            "Copied",
            Trigger::Operator,
            EdgeKind::Normal,
        ),
        edge(
            Transferring,
            CompletedMoreInfo,
            "Copied with issues",
            Trigger::Operator,
            EdgeKind::Error,
        ),
        edge(
            Completed,
            ShippedBack,
            "Shipped back",
            Trigger::Operator,
            EdgeKind::Normal,
        ),
        edge(
            CompletedMoreInfo,
            ShippedBack,
            "Shipped back",
            Trigger::Operator,
            EdgeKind::Normal,
        ),
        edge(
            Received,
            ShippedBack,
            "Cancelled: returned uncopied",
            Trigger::Operator,
            EdgeKind::Cancel,
        ),
    ];
    let at_data_center = [Received, Transferring, Completed, CompletedMoreInfo];
    for from in at_data_center {
        edges.push(edge(
            from,
            Faulted,
            "Fault",
            Trigger::Operator,
            EdgeKind::Fault,
        ));
    }
    // Leaving Faulted: the state it faulted from, or one step on from there short of shipping back.
    for to in at_data_center {
        edges.push(edge(
            Faulted,
            to,
            "Resolved",
            Trigger::Operator,
            EdgeKind::Fault,
        ));
    }
    Graph {
        nodes,
        edges,
        width: X0 * 2.0 + COL * 4.0,
        height: 290.0,
        node_width: 128.0,
        node_height: 40.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_drawn_exactly_once_inside_the_canvas() {
        let job = job_graph();
        for state in JobState::ALL {
            assert_eq!(
                job.nodes.iter().filter(|n| n.state == state).count(),
                1,
                "{state}"
            );
        }
        let drive = drive_graph();
        for state in DriveState::ALL {
            assert_eq!(
                drive.nodes.iter().filter(|n| n.state == state).count(),
                1,
                "{state}"
            );
        }
        for (w, h, nw, nh, points) in [
            (
                job.width,
                job.height,
                job.node_width,
                job.node_height,
                job.nodes.iter().map(|n| (n.x, n.y)).collect::<Vec<_>>(),
            ),
            (
                drive.width,
                drive.height,
                drive.node_width,
                drive.node_height,
                drive.nodes.iter().map(|n| (n.x, n.y)).collect(),
            ),
        ] {
            for (x, y) in points {
                assert!(x - nw / 2.0 >= 0.0 && x + nw / 2.0 <= w, "x {x}");
                assert!(y - nh / 2.0 >= 0.0 && y + nh / 2.0 <= h, "y {y}");
            }
        }
    }

    #[test]
    fn nodes_do_not_overlap() {
        let job = job_graph();
        for a in &job.nodes {
            for b in &job.nodes {
                if a.state != b.state {
                    let apart =
                        (a.x - b.x).abs() >= job.node_width || (a.y - b.y).abs() >= job.node_height;
                    assert!(apart, "{} overlaps {}", a.state, b.state);
                }
            }
        }
    }

    #[test]
    fn the_happy_path_is_a_chain_of_normal_edges() {
        use JobState::*;
        let g = job_graph();
        for pair in [
            Creating,
            Shipping,
            Received,
            Transferring,
            Packaging,
            Completed,
        ]
        .windows(2)
        {
            let e = g.edge(pair[0], pair[1]).expect("edge");
            assert_eq!(e.kind, EdgeKind::Normal, "{} -> {}", pair[0], pair[1]);
        }
        assert_eq!(g.edge(Received, Packaging).unwrap().kind, EdgeKind::Cancel);
        assert_eq!(g.edge(Shipping, Closed).unwrap().trigger, Trigger::Timer);
        assert!(g.successors(Completed).is_empty());
        assert!(g.successors(Closed).is_empty());
        assert_eq!(
            g.successors(Packaging),
            vec![Completed, Closed, Transferring, Faulted]
        );
    }

    #[test]
    fn conditional_steps_say_their_condition_and_no_other_does() {
        use JobState::*;
        let g = job_graph();
        let conditional: Vec<(JobState, JobState)> = g
            .edges
            .iter()
            .filter(|e| e.condition.is_some())
            .map(|e| (e.from, e.to))
            .collect();
        assert_eq!(
            conditional,
            vec![
                (Shipping, Completed),
                (Packaging, Transferring),
                (Transferring, Closed),
                (Packaging, Closed),
            ]
        );
        let late = g.edge(Packaging, Transferring).unwrap();
        assert!(late.condition.unwrap().contains("not cancelled"));
        // The ship-back edges out of Packaging are unconditional; only the destruction is not.
        assert!(g
            .edges_between(Packaging, Closed)
            .any(|e| e.condition.is_none() && e.trigger == Trigger::Operator));
        let d = drive_graph();
        assert!(d
            .edge(DriveState::NeverReceived, DriveState::Received)
            .unwrap()
            .condition
            .is_some());
    }

    #[test]
    fn terminal_states_cannot_fault() {
        let g = job_graph();
        assert!(g.edge(JobState::Completed, JobState::Faulted).is_none());
        let d = drive_graph();
        assert!(d
            .edge(DriveState::ShippedBack, DriveState::Faulted)
            .is_none());
        assert_eq!(
            d.successors(DriveState::Specified),
            vec![DriveState::Received, DriveState::NeverReceived]
        );
    }

    #[test]
    fn whatever_can_fault_can_be_resolved_back() {
        let g = job_graph();
        for e in g.edges.iter().filter(|e| e.to == JobState::Faulted) {
            assert_eq!(
                g.triggers(JobState::Faulted, e.from),
                vec![Trigger::Operator],
                "{}",
                e.from
            );
        }
        let d = drive_graph();
        for e in d.edges.iter().filter(|e| e.to == DriveState::Faulted) {
            assert_eq!(
                d.triggers(DriveState::Faulted, e.from),
                vec![Trigger::Operator],
                "{}",
                e.from
            );
        }
        assert!(g.edge(JobState::Faulted, JobState::Completed).is_none());
        assert!(d
            .edge(DriveState::Faulted, DriveState::ShippedBack)
            .is_none());
    }

    #[test]
    fn a_step_made_in_several_ways_lists_each_trigger() {
        use JobState::*;
        let d = drive_graph();
        assert_eq!(
            d.triggers(DriveState::Specified, DriveState::NeverReceived),
            vec![Trigger::Operator, Trigger::Timer]
        );
        let g = job_graph();
        assert_eq!(
            g.triggers(Transferring, Packaging),
            vec![Trigger::Automatic, Trigger::Operator]
        );
        let kinds: Vec<EdgeKind> = g
            .edges_between(Received, Packaging)
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, vec![EdgeKind::Cancel, EdgeKind::Error]);
        assert!(g.triggers(Completed, Creating).is_empty());
    }
}
