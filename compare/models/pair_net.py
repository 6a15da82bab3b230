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
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = self.dropout((h * m).sum(1) / m.sum(1).clamp(min=1.0))
        same = self.same(pooled).squeeze(-1)
        if cosine is not None:
            same = same + self.cos_coef[0] * cosine.to(same.dtype) + self.cos_coef[1]
        return same, self.nli(pooled)


def load_pair_net(folder) -> PairNet:
    """The network with the trained weights of ``folder`` (config.json + model.safetensors), fp32."""
    from pathlib import Path

    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel

    folder = Path(folder)
    net = PairNet(AutoModel.from_config(AutoConfig.from_pretrained(str(folder))))
    state = {k: v.float() for k, v in load_file(str(folder / "model.safetensors")).items()}
    state.pop("encoder.embeddings.position_ids", None)  # a buffer older transformers saved
    state.setdefault("cos_coef", torch.zeros(2))  # judges trained before the residual head
    net.load_state_dict(state)
    return net.eval()
