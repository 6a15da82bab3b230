"""The claim-pair network: a BERT-style encoder read as a cross-encoder, mean-pooled, with a
"same fact" head and an entailment/neutral/contradiction head. Shared by training and inference.

The "same" head is a residual over the bi-encoder: its logit is ``w * cosine + b`` (a logistic
fit of the bundled encoder's cosine on the training pairs, frozen) plus what the cross-encoder
adds, which starts at zero. The judge therefore starts from plain similarity and only learns
where reading the two claims together tells more; a judge trained without it ranked real
cross-outlet pairs below the cosine it could not see.
"""

from __future__ import annotations

import torch
from torch import nn

NLI_LABELS = ("entailment", "neutral", "contradiction")


class PairNet(nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(0.1)
        self.same = nn.Linear(hidden, 1)
        self.nli = nn.Linear(hidden, len(NLI_LABELS))
        # (w, b) of the frozen logistic reading of the cosine; zero for a judge without it
        self.register_buffer("cos_coef", torch.zeros(2))

    def forward(self, input_ids, attention_mask, token_type_ids, cosine=None):
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state
        return self.heads(h, attention_mask, cosine)

    def heads(self, h, mask=None, cosine=None):
        """The "same" logit (plus the cosine residual, where given) and the NLI logits of token
        states ``h``, mean-pooled over ``mask`` (None: every token)."""
        if mask is None:
            pooled = self.dropout(h.mean(1))
        else:
            m = mask.unsqueeze(-1).to(h.dtype)
            pooled = self.dropout((h * m).sum(1) / m.sum(1).clamp(min=1.0))
        same = self.same(pooled).squeeze(-1)
        if cosine is not None:
            same = same + self.cos_coef[0] * cosine.to(same.dtype) + self.cos_coef[1]
        return same, self.nli(pooled)


def load_pair_net(folder, attention: str | None = None) -> PairNet:
    """The network with the trained weights of ``folder`` (config.json + model.safetensors), fp32;
    ``attention`` picks transformers' attention implementation ("eager" to export: see
    training/export_onnx.py), fixed when the model is built."""
    from pathlib import Path

    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel

    folder = Path(folder)
    config = AutoConfig.from_pretrained(str(folder))
    net = PairNet(AutoModel.from_config(config, **({"attn_implementation": attention} if attention else {})))
    state = {k: v.float() for k, v in load_file(str(folder / "model.safetensors")).items()}
    state.pop("encoder.embeddings.position_ids", None)  # a buffer older transformers saved
    state.setdefault("cos_coef", torch.zeros(2))  # judges trained before the residual head
    net.load_state_dict(state)
    return net.eval()


def load_late_net(folder, attention: str | None = None) -> LatePairNet:
    """The late-read network of ``folder``: its weights as :func:`load_pair_net` reads them, and
    ``split`` from its model.json."""
    import json
    from pathlib import Path

    split = json.loads((Path(folder) / "model.json").read_text())["split"]
    return LatePairNet(load_pair_net(folder, attention), int(split)).eval()


class LatePairNet(nn.Module):
    """The pair network read late: its first ``split`` layers run on each claim alone
    (``[CLS] text [SEP]``, positions from 0, token type 0), so one claim's token states serve
    every pair it is in; the remaining layers read the two claims' states joined (the second
    claim's [CLS] dropped), then the pair network's mean pooling, heads and cosine residual.

    A claim sits in about eight candidate pairs, so with ``split`` 5 of 6 layers a pair costs
    about a quarter of what reading it whole costs. Trained by distilling the whole-pair judge
    (``training/distil_judge.py --late``)."""

    def __init__(self, net: PairNet, split: int):
        super().__init__()
        self.net = net
        self.split = split

    def run_layers(self, h, mask, lo: int, hi: int):
        """Layers lo..hi-1 on token states ``h`` (``mask``: the padding, None for none)."""
        ext = None if mask is None else (1.0 - mask[:, None, None, :].to(h.dtype)) * torch.finfo(h.dtype).min
        for layer in self.net.encoder.encoder.layer[lo:hi]:
            out = layer(h, attention_mask=ext)
            h = out[0] if isinstance(out, tuple) else out
        return h

    def claim(self, input_ids, attention_mask):
        """The token states of claims (a batch, padded) after the first ``split`` layers."""
        emb = self.net.encoder.embeddings
        pos = torch.arange(input_ids.shape[1], device=input_ids.device)[None].expand_as(input_ids)
        h = emb.LayerNorm(emb.word_embeddings(input_ids) + emb.position_embeddings(pos)
                          + emb.token_type_embeddings(torch.zeros_like(input_ids)))
        return self.run_layers(h, attention_mask, 0, self.split)

    def join(self, ha, mask_a, hb, mask_b, cosine=None):
        """The "same" logit and NLI logits of pairs from their claims' states (padded batches)."""
        la, lb = mask_a.sum(1), mask_b.sum(1)
        rows = [torch.cat([ha[r, :la[r]], hb[r, 1:lb[r]]]) for r in range(len(la))]
        width = max(len(x) for x in rows)
        h = torch.stack([nn.functional.pad(x, (0, 0, 0, width - len(x))) for x in rows])
        mask = torch.stack([torch.arange(width) < len(x) for x in rows]).long()
        h = self.run_layers(h, mask, self.split, len(self.net.encoder.encoder.layer))
        return self.net.heads(h, mask, cosine)

    def forward(self, a_ids, a_mask, b_ids, b_mask, cosine=None):
        return self.join(self.claim(a_ids, a_mask), a_mask, self.claim(b_ids, b_mask), b_mask, cosine)
