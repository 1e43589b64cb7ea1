"""PyTorch anchor for bench/gpu-check.sh: the same random-weight model folders, token ids, lengths
and batch sizes as the TorchSharp run, through Hugging Face transformers' BertModel (SDPA
attention) with mean pooling and L2 normalisation, so the two throughputs compare like for like."""
import json
import os
import sys
import time

import torch
from transformers import BertModel

out_dir = sys.argv[1]
ours = json.load(open(os.path.join(out_dir, "torchsharp.json")))
dtypes = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
seconds = float(os.environ.get("ANCHOR_SECONDS", "1.0"))


def pad(ids_list):
    length = max(len(ids) for ids in ids_list)
    ids = torch.zeros((len(ids_list), length), dtype=torch.long)
    mask = torch.zeros((len(ids_list), length), dtype=torch.long)
    for row, seq in enumerate(ids_list):
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
    return ids, mask


def encode(model, ids, mask):
    """Host ids in, host vectors out: the same work per call as the TorchSharp encoder."""
    ids, mask = ids.cuda(), mask.cuda()
    tokens = model(input_ids=ids, attention_mask=mask).last_hidden_state
    m = mask.unsqueeze(-1).to(tokens.dtype)
    pooled = (tokens * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled.float(), dim=1).cpu()


report = {}
for shape, result in ours.items():
    folder = os.path.join(out_dir, shape)
    parity_ids = json.load(open(os.path.join(folder, "parity_ids.json")))
    our_fp32 = torch.tensor(json.load(open(os.path.join(folder, "parity_ours_fp32.json"))))
    rows = []
    for precision, dtype in dtypes.items():
        model = BertModel.from_pretrained(folder, dtype=dtype, attn_implementation="sdpa", add_pooling_layer=False).cuda().eval()
        with torch.inference_mode():
            if precision == "fp32":
                theirs = torch.cat([encode(model, *pad(parity_ids[i : i + 16])) for i in range(0, len(parity_ids), 16)])
                cos = torch.nn.functional.cosine_similarity(theirs, our_fp32).min().item()
                print(f"{shape} parity min cosine torchsharp-cuda-fp32 vs pytorch-cuda-fp32: {cos:.6f} {'ok' if cos >= 0.9999 else 'LOW'}")
                report[f"{shape} parity"] = cos
            for entry in result["throughput"]:
                if entry["precision"] != precision:
                    continue
                gen = torch.Generator().manual_seed(entry["length"] * 7919 + entry["batch"])
                ids = torch.randint(5, model.config.vocab_size, (entry["batch"], entry["length"]), generator=gen)
                mask = torch.ones_like(ids)
                for _ in range(3):
                    encode(model, ids, mask)
                torch.cuda.synchronize()
                start, n = time.perf_counter(), 0
                while time.perf_counter() - start < seconds or n < 3:
                    encode(model, ids, mask)
                    n += 1
                rate = entry["batch"] * n / (time.perf_counter() - start)
                ratio = entry["chunksPerSecond"] / rate
                print(f"{shape} {precision} len {entry['length']:3d} batch {entry['batch']:4d}: pytorch {rate:10.0f} chunks/s, torchsharp {entry['chunksPerSecond']:10.0f} ({ratio:.2f}x)")
                rows.append({**entry, "pytorchChunksPerSecond": rate, "ratio": ratio})
        del model
        torch.cuda.empty_cache()
    model = BertModel.from_pretrained(folder, dtype=torch.bfloat16, attn_implementation="sdpa", add_pooling_layer=False).cuda().eval()
    for entry in result.get("profile", []):
        ids = torch.randint(5, model.config.vocab_size, (entry["batch"], entry["length"])).cuda()
        with torch.inference_mode():
            for _ in range(3):
                model(input_ids=ids)
            torch.cuda.synchronize()
            start = time.perf_counter()
            for _ in range(10):
                model(input_ids=ids)
            torch.cuda.synchronize()
        ms = (time.perf_counter() - start) * 100
        print(f"profile bf16 len {entry['length']} batch {entry['batch']}: pytorch forward {ms:.2f} ms, torchsharp forward {entry['forwardMs']:.2f} ms, torchsharp EncodeIds {entry['fullMs']:.2f} ms")
    del model
    report[shape] = rows
json.dump(report, open(os.path.join(out_dir, "anchor.json"), "w"), indent=1)
