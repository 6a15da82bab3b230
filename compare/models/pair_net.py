"""The claim-pair network: a BERT-style encoder read as a cross-encoder, mean-pooled, with a
"same fact" head and an entailment/neutral/contradiction head. Shared by training and inference."""

from __future__ import annotations

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

    def forward(self, input_ids, attention_mask, token_type_ids):
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = self.dropout((h * m).sum(1) / m.sum(1).clamp(min=1.0))
        return self.same(pooled).squeeze(-1), self.nli(pooled)


def load_pair_net(folder) -> PairNet:
    """The network with the trained weights of ``folder`` (config.json + model.safetensors), fp32."""
    from pathlib import Path

    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel

    folder = Path(folder)
    net = PairNet(AutoModel.from_config(AutoConfig.from_pretrained(str(folder))))
    state = {k: v.float() for k, v in load_file(str(folder / "model.safetensors")).items()}
    state.pop("encoder.embeddings.position_ids", None)  # a buffer older transformers saved
    net.load_state_dict(state)
    return net.eval()
