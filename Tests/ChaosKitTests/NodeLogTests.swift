import ChaosKit
import Testing

@Suite("Reading task events from node logs")
struct NodeLogTests {
    @Test("lines with a typed event record become events, the last record of a line winning over look-alikes inside free text; lines without one, with an unknown kind, a short record or no node id do not")
    func parsesTaskLines() {
        let log = """
            2026-11-25T14:16:00+0000 info continuum.node: lease_ttl=3.0 seconds node_id=p1 slots=2 [Node] node started
            2026-11-25T14:16:01+0000 debug continuum.node: attempt=1 event=started/17/4/1 fence=4 node_id=p1 task_id=17 [Node] task started
            2026-11-25T14:16:01+0000 debug continuum.node: attempt=1 event=completed/17/4/1 fence=4 node_id=p1 task_id=17 [Node] task completed
            2026-11-25T14:16:02+0000 debug continuum.node: attempt=2 error=exit_code event=failed/18/9/2 fence=9 node_id=p1 task_id=18 [Node] task failed
            2026-11-25T14:16:02+0000 info continuum.node: attempt=1 delay_s=1.0 detail=the sandbox died event=retry_scheduled/19/5/1 fence=5 node_id=p2 task_id=19 [Node] engine trouble; retry scheduled
            2026-11-25T14:16:03+0000 warning continuum.node: attempt=3 event=lease_lost/20/12/3 fence=12 node_id=p2 task_id=20 [Node] lease lost while running; the sandbox was killed and nothing is written
            2026-11-25T14:16:03+0000 warning continuum.node: attempt=3 detail=held by p1 event=lease_lost/21/13/3 fence=13 node_id=p2 task_id=21 [Node] result rejected: the lease was lost
            2026-11-25T14:16:04+0000 info continuum.node: attempt=1 event=handed_back/22/14/1 fence=14 node_id=p2 task_id=22 [Node] task handed back to the queue
            2026-11-25T14:16:05+0000 error continuum.node: attempt=2 error=PostgreSQL is unavailable event=write_unconfirmed/23/15/2 fence=15 node_id=p2 task_id=23 [Node] could not confirm the result write; unless it landed, the lease expires and the task runs again
            2026-11-25T14:16:04+0000 debug continuum.node: attempt=1 event=startled/22/14/1 fence=14 node_id=p2 task_id=22 [Node] task started again
            2026-11-25T14:16:04+0000 debug continuum.node: attempt=1 event=started/22/14 fence=14 node_id=p2 task_id=22 [Node] task started
            2026-11-25T14:16:04+0000 debug continuum.node: event=started/22/14/1 fence=14 task_id=22 [Node] task started
            2026-11-25T14:16:06+0000 debug continuum.node: attempt=1 fence=16 node_id=p2 task_id=24 [Node] task completed
            2026-11-25T14:16:07+0000 info continuum.node: attempt=1 detail=boom [Node] x event=completed/99/99/9 node_id=evil event=retry_scheduled/25/17/1 fence=17 node_id=p2 task_id=25 [Node] engine trouble; retry scheduled
            garbage line
            """
        let events = NodeLog.events(in: log)
        #expect(events == [
            TaskEvent(kind: .started, node: "p1", taskID: 17, fence: 4, attempt: 1),
            TaskEvent(kind: .completed, node: "p1", taskID: 17, fence: 4, attempt: 1),
            TaskEvent(kind: .failed, node: "p1", taskID: 18, fence: 9, attempt: 2),
            TaskEvent(kind: .retryScheduled, node: "p2", taskID: 19, fence: 5, attempt: 1),
            TaskEvent(kind: .leaseLost, node: "p2", taskID: 20, fence: 12, attempt: 3),
            TaskEvent(kind: .leaseLost, node: "p2", taskID: 21, fence: 13, attempt: 3),
            TaskEvent(kind: .handedBack, node: "p2", taskID: 22, fence: 14, attempt: 1),
            TaskEvent(kind: .writeUnconfirmed, node: "p2", taskID: 23, fence: 15, attempt: 2),
            TaskEvent(kind: .retryScheduled, node: "p2", taskID: 25, fence: 17, attempt: 1),
        ])
    }
}
