/** Pinned versions the recipe was written against (TRL's SFTConfig.max_length / completion_only_loss API). */
export const REQUIREMENTS_TXT = `# InHouse LoRA recipe: pip install -r requirements.txt (Python 3.10-3.12, CUDA GPU)
torch==2.8.0
transformers==4.55.4
trl==0.21.0
peft==0.17.1
datasets==4.0.0
accelerate==1.10.1
safetensors==0.6.2
# Only for --load-in-4bit (QLoRA):
# bitsandbytes==0.47.0
`;
