"""Request and response bodies of the HTTP API (they also make the OpenAPI page at ``/docs``).

Inputs follow the Hugging Face Inference API convention: ``{"inputs": "text"}`` or
``{"inputs": ["text", ...]}``; predict answers ``{"predictions": [...]}`` with one item per input.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

# torch's generators take seeds in [0, 2**64); a larger one made the server fail with a 500
SEED_LIMIT = 2**64 - 1


def _encodable(text: str) -> str:
    """Refuse text that is not valid Unicode (a lone surrogate such as ``"\\ud800"`` is valid
    JSON): here it fails its own request with a 422, where inside a shared batch the tokenizer
    raised and failed every request batched with it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError(
            f"text is not valid Unicode: {err.reason} at character {err.start}"
        ) from None
    return text


Text = Annotated[str, AfterValidator(_encodable)]


class PredictRequest(BaseModel):
    inputs: Text | list[Text] = Field(
        description="One text, or a list of texts.", examples=["Free entry! Txt WIN to 80082"]
    )

    def texts(self) -> list[str]:
        return [self.inputs] if isinstance(self.inputs, str) else list(self.inputs)


class ClassPrediction(BaseModel):
    label: str = Field(description="The most probable class.")
    score: float = Field(description="Its probability.")
    scores: dict[str, float] = Field(description="Probability of every class.")


class Entity(BaseModel):
    type: str = Field(description="Entity type, e.g. PER, LOC.")
    label: str = Field("", description="The same as ``type``, under the name most NER APIs use.")
    text: str = Field(description="The entity as written: ``input[start:end]``.")
    start: int = Field(description="Offset of its first character in the input.")
    end: int = Field(description="Offset one past its last character.")
    score: float = Field(description="Mean tag probability over its words.")

    @model_validator(mode="after")
    def _label_is_type(self) -> Entity:
        self.label = self.type
        return self


class EntityPrediction(BaseModel):
    entities: list[Entity]


class PredictResponse(BaseModel):
    predictions: list[IntentPrediction | ClassPrediction | EntityPrediction]


class GenerateParameters(BaseModel):
    max_new_tokens: int = Field(100, ge=1, description="Tokens to generate.")
    temperature: float = Field(
        1.0, gt=0.0, allow_inf_nan=False, description="Sampling temperature (> 0, finite)."
    )
    top_k: int | None = Field(None, ge=1, description="Sample among the k most probable tokens.")
    top_p: float | None = Field(
        None, gt=0.0, le=1.0, allow_inf_nan=False, description="Nucleus sampling mass."
    )
    seed: int | None = Field(
        None, ge=0, le=SEED_LIMIT, description="Seed for a reproducible sample (0 to 2**64-1)."
    )


class GenerateRequest(BaseModel):
    inputs: Text = Field(description="The prompt.", examples=["ROMEO:"])
    parameters: GenerateParameters = Field(default_factory=GenerateParameters)
    stream: bool = Field(False, description="Send the text piece by piece as it is generated.")


class GenerateResponse(BaseModel):
    generated_text: str = Field(description="The continuation (the prompt not repeated).")


class ModelInfo(BaseModel):
    name: str
    task: str = Field(description="classify, intent, ner, or a language-model task.")
    kind: Literal["predict", "generate", "recommend"] = Field(
        description="Which endpoint the model answers."
    )
    labels: list[str] = Field(description="Classes (classify) or tags (ner); empty for LMs.")
    backbone: str = Field(description="The pretrained encoder it was built from, or the LM's arch.")
    backend: str = Field(description="torch or onnx.")
    assistant: bool = Field(
        False, description="Whether POST .../assist answers (intent + answers)."
    )
    explainable: bool = Field(
        False, description="Whether POST .../explain answers (classifiers trained by axonlab)."
    )


class ModelList(BaseModel):
    models: list[ModelInfo]


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    models: int = Field(description="Models loaded.")


class Suggestion(BaseModel):
    label: str = Field(description="An intent.")
    score: float = Field(description="Its probability.")


class IntentPrediction(BaseModel):
    label: str = Field(description="The intent, or the out-of-scope label when rejected.")
    score: float = Field(description="The most probable intent's probability.")
    intent: str = Field(description="The most probable intent, even when rejected.")
    in_scope: bool = Field(description="Whether the text was judged in scope.")
    in_scope_score: float = Field(description="The out-of-scope detector's score.")
    suggestions: list[Suggestion] = Field(description="The nearest intents, best first.")


class AssistSuggestion(BaseModel):
    intent: str
    title: str = Field(description="What to show the user for it.")
    score: float


class AssistReply(BaseModel):
    intent: str = Field(description="The intent answered (or the out-of-scope label).")
    confidence: float = Field(description="Intent probability, or FAQ cosine similarity.")
    answer: str = Field(description="The answer text, or the fallback.")
    source: Literal["faq", "intent", "fallback"] = Field(description="Where the answer came from.")
    suggestions: list[AssistSuggestion] = Field(description='"Did you mean" intents with answers.')


class AssistResponse(BaseModel):
    replies: list[AssistReply]


class ExplainRequest(PredictRequest):
    target: str | None = Field(None, description="The label to explain (default: predicted).")


class WordAttribution(BaseModel):
    text: str = Field(description="The word as written: ``input[start:end]``.")
    start: int
    end: int
    attribution: float = Field(description="Its share of the label's logit change (+ for it).")


class Explanation(BaseModel):
    label: str
    score: float = Field(description="The label's probability.")
    completeness_error: float = Field(
        description="|sum of attributions - logit change| / |logit change|."
    )
    steps: int = Field(description="Integrated Gradients interpolation steps used.")
    words: list[WordAttribution]


class ExplainResponse(BaseModel):
    explanations: list[Explanation]


class EmbedResponse(BaseModel):
    embeddings: list[list[float]] = Field(description="One L2-normalised vector per input.")
    dim: int


class EmbeddingsRequest(BaseModel):
    """OpenAI's ``POST /v1/embeddings`` body."""

    input: Text | list[Text] = Field(description="One text, or a list of texts.")
    model: str = Field(description="A served model's name (`GET /v1/models`).")
    encoding_format: Literal["float"] = Field("float", description="Only float is offered.")

    def texts(self) -> list[str]:
        return [self.input] if isinstance(self.input, str) else list(self.input)


class EmbeddingItem(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float]


class EmbeddingsUsage(BaseModel):
    prompt_tokens: int
    total_tokens: int


class EmbeddingsResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[EmbeddingItem]
    model: str
    usage: EmbeddingsUsage


PredictResponse.model_rebuild()


class RecommendRequest(BaseModel):
    """Exactly one of ``user`` (a user of the training data), ``history`` (item ids someone
    has seen: a new user) or ``item`` (items like it)."""

    user: str | None = Field(None, description="A user id of the recommender's training data.")
    history: list[str] | None = Field(
        None, description="Item ids a new user has seen (recommend from them).", max_length=1000
    )
    item: str | None = Field(None, description="An item id: recommend items like it.")
    k: int = Field(10, ge=1, le=1000, description="How many items.")

    @model_validator(mode="after")
    def _one_query(self) -> RecommendRequest:
        given = [n for n in ("user", "history", "item") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of user, history or item")
        return self


class RecommendedItem(BaseModel):
    item: str
    title: str
    score: float = Field(description="The blended score (standardised units); higher is better.")


class SeenItem(BaseModel):
    item: str
    title: str


class RecommendResponse(BaseModel):
    items: list[RecommendedItem] = Field(description="Best first; items already seen left out.")
    history: list[SeenItem] = Field(
        description="The user's training history (for ``user``), the given ``history`` or the "
        "``item`` asked about, with titles."
    )
