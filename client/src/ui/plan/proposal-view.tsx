/** A suggestion waiting for the person: accept, edit then accept, or decline. */
import type { ComponentChildren } from "preact"
import { useRef, useState } from "preact/hooks"
import { actorOf, type Fields, type Proposal, proposer } from "../../docs/plan"
import type { ItemKind } from "../../docs/template"
import { Notice } from "../action"
import type { Names } from "../format"
import { ItemForm } from "./item-form"
import { Byline } from "./item-view"

/** What a member may do with a suggestion; absent where nothing may change. */
export type ProposalActions = {
  decides: boolean
  /** Each returns false if it could not be done (the section says why). */
  onAccept: (edited?: Fields) => boolean
  onDecline: () => boolean
  onEdit: (fields: Fields) => boolean
  onWithdraw: () => boolean
  onEditing: (editing: boolean) => void
}

type Props = {
  proposal: Proposal
  kind: ItemKind
  names: Names
  /** Without actions (a past version) the suggestion is shown, with no control. */
  actions: ProposalActions | undefined
}

export function ProposalView({ proposal, kind, names, actions }: Props) {
  const [editing, setEditingState] = useState(false)
  const setEditing = (on: boolean) => {
    setEditingState(on)
    actions?.onEditing(on)
  }
  // A suggestion is decided (or withdrawn) once, however fast the button is tapped.
  const decided = useRef(false)
  const once =
    <A extends unknown[]>(act: (...args: A) => boolean) =>
    (...args: A): boolean => {
      if (decided.current) return true
      decided.current = true
      return act(...args)
    }
  const author = proposer(proposal)
  const mine = names.isMine(author)
  const decides = actions?.decides ?? false
  if (actions === undefined) {
    return <Shown proposal={proposal} names={names} author={author} />
  }
  const accept = once(actions.onAccept)
  const decline = once(actions.onDecline)
  const withdraw = once(actions.onWithdraw)
  if (editing) {
    return (
      <li class="proposal">
        {proposal.decision ? (
          <Notice>
            {proposal.decision.state === "withdrawn"
              ? "This suggestion has just been withdrawn on another phone."
              : "This suggestion has just been decided on another phone."}
          </Notice>
        ) : null}
        <ItemForm
          kind={kind}
          initial={{ text: proposal.text, phone: proposal.phone }}
          label={
            decides
              ? "Put it in your own words, then add it"
              : "Edit your suggestion"
          }
          submit={decides ? "Add to my plan" : "Save suggestion"}
          onSave={(fields) => {
            const done = decides ? accept(fields) : actions.onEdit(fields)
            if (done) setEditing(false)
            return done
          }}
          onCancel={() => setEditing(false)}
        />
      </li>
    )
  }
  return (
    <Shown proposal={proposal} names={names} author={author}>
      {decides ? (
        <>
          <button
            type="button"
            class="primary"
            onClick={() => accept()}
            aria-label={`Accept: ${proposal.text}`}
          >
            Accept
          </button>
          <button
            type="button"
            onClick={() => setEditing(true)}
            aria-label={`Edit and accept: ${proposal.text}`}
          >
            Edit and accept
          </button>
          <button
            type="button"
            class="quiet"
            onClick={() => decline()}
            aria-label={`Decline: ${proposal.text}`}
          >
            Decline
          </button>
        </>
      ) : mine ? (
        <>
          <button type="button" onClick={() => setEditing(true)}>
            Edit suggestion
          </button>
          <button type="button" class="quiet" onClick={() => withdraw()}>
            Withdraw suggestion
          </button>
        </>
      ) : null}
    </Shown>
  )
}

/** The suggestion as text, with whatever controls the caller gives it. */
function Shown({
  proposal,
  names,
  author,
  children,
}: {
  proposal: Proposal
  names: Names
  author: ReturnType<typeof proposer>
  children?: ComponentChildren
}) {
  return (
    <li class="proposal" data-proposal={proposal.id}>
      <p class="tag">Suggestion</p>
      <p class="text">{proposal.text}</p>
      {proposal.phone ? <p>Phone: {proposal.phone}</p> : null}
      <Byline
        names={names}
        author={author}
        made={proposal.made}
        editor={actorOf(proposal.edit)}
        edited={proposal.edit.at}
        verb="Suggested"
      />
      <div class="actions">{children}</div>
    </li>
  )
}
