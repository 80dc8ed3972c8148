"""axonlab: from the biological neuron to the language model.

Subpackages (import the one you need; docs/architecture.md says which may import which):

- ``axonlab.neuro``: neurons, synapses with transmitter kinetics, networks, energy.
- ``axonlab.text``: fine-tune pretrained encoders for classification and NER.
- ``axonlab.lm``: character/BPE language models (LSTM, GPT) trained from a text file.
- ``axonlab.assistant``: a customer-service assistant: an intent model and a book of answers.
- ``axonlab.monitor``: a financial opinion monitor with surge alerts.
- ``axonlab.recommend``: a recommender from item text and interactions (ALS + embeddings).
- ``axonlab.serve``: an HTTP API and web page for trained run directories.
"""

__version__ = "0.1.0"
