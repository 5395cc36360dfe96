/** A suggestion waiting for the person: accept, edit then accept, or decline. */
import { useState } from "preact/hooks"
import { actorOf, type Fields, type Proposal, proposer } from "../../docs/plan"
import type { ItemKind } from "../../docs/template"
import type { Names } from "../format"
import { ItemForm } from "./item-form"
import { Byline } from "./item-view"

/** What a member may do with a suggestion; absent where nothing may change. */
export type ProposalActions = {
  decides: boolean
  onAccept: (edited?: Fields) => void
  onDecline: () => void
  onEdit: (fields: Fields) => void
  onWithdraw: () => void
}

type Props = {
  proposal: Proposal
  kind: ItemKind
  names: Names
  /** Without actions (a past version) the suggestion is shown, with no control. */
  actions: ProposalActions | undefined
}

export function ProposalView({ proposal, kind, names, actions }: Props) {
  const [editing, setEditing] = useState(false)
  const author = proposer(proposal)
  const mine = names.isMine(author)
  const decides = actions?.decides ?? false
  if (editing && actions !== undefined) {
    const props = actions
    return (
      <li class="proposal">
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
            if (decides) props.onAccept(fields)
            else props.onEdit(fields)
            setEditing(false)
          }}
          onCancel={() => setEditing(false)}
        />
      </li>
    )
  }
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
      <div class="actions">
        {actions === undefined ? null : decides ? (
          <>
            <button
              type="button"
              class="primary"
              onClick={() => actions.onAccept()}
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
              onClick={actions.onDecline}
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
            <button type="button" class="quiet" onClick={actions.onWithdraw}>
              Withdraw suggestion
            </button>
          </>
        ) : null}
      </div>
    </li>
  )
}
